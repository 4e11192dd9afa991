package all

import _ "github.com/hipaa-evidence/hipaa-evidence/reports/xlsx" // registers "xlsx"
