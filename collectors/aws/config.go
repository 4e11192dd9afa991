package aws

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
)

// DefaultHomeRegion is used for global APIs when neither the flags, the config
// file nor the SDK's environment name a region.
const DefaultHomeRegion = "us-east-1"

// DefaultAuditRole is the role assumed in member accounts when none is configured.
const DefaultAuditRole = "HipaaEvidenceAudit"

// DefaultMaxAttempts is the SDK retry budget per call. Adaptive retry backs
// off on throttling, so a busy account slows down rather than failing.
const DefaultMaxAttempts = 8

// Options say how to reach AWS and what is in scope.
type Options struct {
	// Profile is a shared config profile (SSO profiles included); empty uses
	// the default chain.
	Profile string
	// HomeRegion is the region for global calls; empty takes the SDK's.
	HomeRegion string
	// Regions lists regions to collect, or the single element "all" for every
	// enabled region of each account. Empty means the home region.
	Regions []string
	// Accounts limits or extends the accounts in scope; with Organization it
	// filters the organization's accounts.
	Accounts []string
	// Organization fans out over every active account of the organization.
	Organization bool
	// AuditRole is the role name assumed in accounts other than the caller's.
	AuditRole string
	// ExternalID is passed to sts:AssumeRole when set.
	ExternalID string
	// HTTPClient replaces the SDK's HTTP client (tests, proxies).
	HTTPClient sdkaws.HTTPClient
	// MaxAttempts is the retry budget per call; 0 means DefaultMaxAttempts.
	MaxAttempts int
}

// LoadConfig returns an SDK configuration from the default chain: environment
// (including AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>), shared config
// and credentials files, SSO, and instance roles, with adaptive retries.
func LoadConfig(ctx context.Context, o Options) (sdkaws.Config, error) {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() sdkaws.Retryer {
			return retry.AddWithMaxAttempts(retry.NewAdaptiveMode(), attempts)
		}),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.HomeRegion != "" {
		opts = append(opts, config.WithRegion(o.HomeRegion))
	}
	if o.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(o.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return sdkaws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultHomeRegion
	}
	return cfg, nil
}
