package s3_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	s3coll "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// BenchmarkCollect measures one account's collection against kumo with 50
// buckets, 10 of them tagged as PHI: wall time, allocations and API calls.
func BenchmarkCollect(b *testing.B) {
	e := collectortest.NewEmulator(b)
	ctx := context.Background()
	c := s3.NewFromConfig(e.Config())
	var names []string
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("bench-bucket-%02d", i)
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			b.Fatal(err)
		}
		names = append(names, name)
		if i%5 == 0 {
			if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(name),
				Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("phi"), Value: aws.String("true")}}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Cleanup(func() {
		for _, n := range names {
			_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(n)})
		}
	})
	// kumo lacks GetBucketPolicyStatus; the documented error for a bucket
	// without a policy.
	e.Transport.Stub("s3:GetBucketPolicyStatus", func(*http.Request, []byte) *http.Response {
		return collectortest.ErrorResponse("s3:GetBucketPolicyStatus", 404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	})
	req := collectortest.NewRequest(&e.Endpoint, evidence.GlobalRegion)
	e.Transport.ResetCounts()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s3coll.New().Collect(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.Transport.Total())/float64(b.N), "calls/op")
}
