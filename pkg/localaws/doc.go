// Package localaws starts and talks to the local stand-ins for AWS services
// used by the local runner and by tests: DynamoDB Local (with its streams),
// aws-ses-v2-local and cognito-local (a Cognito user-pool endpoint without
// managed login), all installed by `npm ci` into node_modules.
//
// Tests in any package get them with
//
//	func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }
//
// and then call Endpoints and NewTestTable, and CognitoEndpoint and
// SetupCognito for a user pool (cognito-local starts on first use).
package localaws
