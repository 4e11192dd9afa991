// Package cloudtrailfake is a model of one account's CloudTrail trails,
// their CloudWatch Logs groups, metric filters and CloudWatch alarms,
// shared by the CloudTrail collector's tests and the demo.
//
// Seed creates in the kumo emulator, through the SDK, what kumo implements:
// trails (CreateTrail with multi-Region, organization, log file validation,
// KMS key and CloudWatch Logs settings; StartLogging), log groups with their
// retention (CreateLogGroup, PutRetentionPolicy) and alarms
// (PutMetricAlarm). Stubs answers at the SDK's HTTP layer
// (collectortest.Transport), from the same model and with the response
// shapes of the AWS API references, what kumo lacks:
//   - cloudtrail:GetEventSelectors (not in kumo): TrailARN and either
//     EventSelectors[] or AdvancedEventSelectors[];
//   - cloudtrail:GetTrailStatus for trails with a Delivery: kumo answers
//     IsLogging alone, so the documented delivery fields
//     (LatestDeliveryTime, LatestCloudWatchLogsDeliveryTime,
//     LatestDigestDeliveryTime, StartLoggingTime, LatestDeliveryError) are
//     added;
//   - cloudtrail:DescribeTrails when the model has Shadows (kumo cannot
//     know another account's organization trail): trailList[] with the
//     documented trail fields;
//   - logs:DescribeMetricFilters (not in kumo): metricFilters[] with
//     filterName, filterPattern, metricTransformations[], logGroupName,
//     creationTime.
package cloudtrailfake
