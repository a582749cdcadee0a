/* swagger-init.js: starts Swagger UI on /docs with the service's own OpenAPI document.
 * Settings follow FastAPI's /docs page; the validator badge is off because it would call
 * validator.swagger.io. */
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
