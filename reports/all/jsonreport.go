package all

import _ "github.com/hipaa-evidence/hipaa-evidence/reports/jsonreport" // registers "json"
