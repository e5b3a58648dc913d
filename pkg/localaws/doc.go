// Package localaws starts and talks to the local stand-ins for AWS services
// used by the local runner and by tests: DynamoDB Local (with its streams)
// and aws-ses-v2-local, both installed by `npm ci` into node_modules.
//
// Tests in any package get both services with
//
//	func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }
//
// and then call Endpoints and NewTestTable.
package localaws
