// The /api/docs page: Swagger UI over /api/openapi.json. A static file, not an inline
// script, so the page runs under the app's strict CSP (script-src 'self').
/* global SwaggerUIBundle */
"use strict";

window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No call to the public validator service (another origin; the CSP refuses it anyway).
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
});
