import assert from 'node:assert/strict';
import { test } from 'node:test';

import { missingKeys } from '../../static/js/i18n.js';

test('the config screens import in node and speak both languages completely', async () => {
  for (const name of ['targets/TargetsTab', 'schedule/ScheduleTab', 'preferences', 'flags']) {
    const module = await import(`../../static/js/screens/${name}.js`);
    assert.ok(Object.values(module).some((v) => typeof v === 'function'), name);
  }
  assert.deepEqual(missingKeys(), { en: [], fr: [] });
});
