package all

import _ "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3" // registers "s3"
