// serverless.yml's local plugin: Serverless loads plugins with require(), so this file loads the
// TypeScript plugin through tsx, which Serverless itself uses for TypeScript configuration files.
module.exports = require("tsx/cjs/api").require("./stage-params-plugin.ts", __filename).StageParamsPlugin;
