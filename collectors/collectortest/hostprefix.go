package collectortest

import (
	"net/http"
	"regexp"
)

// accountHostPrefix matches a loopback endpoint host carrying the account-id
// host prefix that S3 Control puts in front of every endpoint, e.g.
// "123456789012.127.0.0.1:4566". Such a name does not resolve.
var accountHostPrefix = regexp.MustCompile(`^[0-9]{12}\.((?:127\.0\.0\.1|localhost)(?::[0-9]+)?)$`)

// stripAccountHostPrefix sends requests for "ACCOUNT.127.0.0.1:PORT" to
// "127.0.0.1:PORT", so S3 Control calls reach the emulator exactly as
// they would reach ACCOUNT.s3-control.REGION.amazonaws.com. The emulator
// reads the account from the x-amz-account-id header, as S3 Control does.
type stripAccountHostPrefix struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (s stripAccountHostPrefix) RoundTrip(r *http.Request) (*http.Response, error) {
	if m := accountHostPrefix.FindStringSubmatch(r.URL.Host); m != nil {
		r = r.Clone(r.Context())
		r.URL.Host = m[1]
		r.Host = m[1]
	}
	return s.next.RoundTrip(r)
}
