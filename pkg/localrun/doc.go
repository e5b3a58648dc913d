// Package localrun runs the Lambda functions locally exactly as AWS would
// invoke them: HTTP requests arrive through Gateway, an emulation of an API
// Gateway HTTP API (payload format 2.0), and table changes through
// StreamPoller, an emulation of a DynamoDB stream event source mapping.
// Both hand each function a JSON payload through its lambda.Handler, so the
// function's real decoder runs on what AWS would send. Each function runs
// one event at a time, as a single Lambda execution environment would.
package localrun
