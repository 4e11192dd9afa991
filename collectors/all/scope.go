package all

import _ "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope" // registers "scope"
