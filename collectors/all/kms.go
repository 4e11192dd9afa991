package all

import _ "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms" // registers "kms"
