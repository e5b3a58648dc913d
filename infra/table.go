package main

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// The context keys of a point-in-time restore (docs/operations.md,
// "Restoring the table"): the table DynamoDB restored into, and its
// stream's ARN. With both, the functions use that table instead of the
// stack's own, which the stack keeps (retained, with deletion protection)
// until staff delete it by hand.
const (
	ContextRestoredTableName      = "restoredTableName"
	ContextRestoredTableStreamARN = "restoredTableStreamArn"
)

// tableNamePattern is what DynamoDB accepts as a table name.
var tableNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// streamARNPattern is a DynamoDB stream's ARN; its table name is group 1.
var streamARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/([A-Za-z0-9_.-]{3,255})/stream/[0-9T:.-]+$`)

// tableIndexes are the table's global secondary indexes.
var tableIndexes = []string{deploy.IndexGSI1, deploy.IndexGSI2}

// The DynamoDB actions each kind of access allows: items and queries, never
// the table's settings, its backups or its stream (the stream's readers
// get theirs from their event source).
var (
	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
)

// newTable creates the stack's table: on demand, with its stream, TTL,
// point-in-time recovery and deletion protection, and kept if the stack
// is deleted.
func newTable(stack awscdk.Stack) awsdynamodb.TableV2 {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey: str(deploy.AttrPK),
		SortKey:      str(deploy.AttrSK),
		GlobalSecondaryIndexes: &[]*awsdynamodb.GlobalSecondaryIndexPropsV2{{
			IndexName:      jsii.String(deploy.IndexGSI1),
			PartitionKey:   str(deploy.AttrGSI1PK),
			SortKey:        str(deploy.AttrGSI1SK),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		}, {
			IndexName:      jsii.String(deploy.IndexGSI2),
			PartitionKey:   str(deploy.AttrGSI2PK),
			SortKey:        str(deploy.AttrGSI2SK),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		}},
		Billing:      awsdynamodb.Billing_OnDemand(nil),
		DynamoStream: awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
		TimeToLiveAttribute: jsii.String(deploy.AttrExpiresAt),
	})
}

// restoredTable returns the table a point-in-time restore made, when the
// context names it and its stream (ok false when it names neither). A name
// or ARN that cannot be one, or one without the other, is a synth error.
func restoredTable(stack awscdk.Stack) (awsdynamodb.ITableV2, bool) {
	name := contextString(stack.Node(), ContextRestoredTableName)
	streamARN := contextString(stack.Node(), ContextRestoredTableStreamARN)
	if name == "" && streamARN == "" {
		return nil, false
	}
	fail := func(format string, args ...any) (awsdynamodb.ITableV2, bool) {
		awscdk.Annotations_Of(stack).AddError(jsii.String(fmt.Sprintf(format, args...)))
		return nil, false
	}
	switch m := streamARNPattern.FindStringSubmatch(streamARN); {
	case name == "" || streamARN == "":
		return fail("set both %s and %s (its LatestStreamArn), or neither", ContextRestoredTableName, ContextRestoredTableStreamARN)
	case !tableNamePattern.MatchString(name):
		return fail("%s %q is not a DynamoDB table name", ContextRestoredTableName, name)
	case m == nil:
		return fail("%s %q is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<time>)", ContextRestoredTableStreamARN, streamARN)
	case m[1] != name:
		return fail("%s %q is the stream of table %s, not of %s", ContextRestoredTableStreamARN, streamARN, m[1], name)
	}
	return awsdynamodb.TableV2_FromTableAttributes(stack, jsii.String("RestoredTable"), &awsdynamodb.TableAttributesV2{
		TableName:      jsii.String(name),
		TableStreamArn: jsii.String(streamARN),
		GlobalIndexes:  jsii.Strings(tableIndexes...),
	}), true
}

// grantTable lets fn read, or read and write, the table's items and query
// its indexes, each index named: a new index needs a new grant.
func grantTable(fn awslambda.Function, table awsdynamodb.ITableV2, access tableAccess) {
	actions := append([]string(nil), tableReadActions...)
	if access == tableReadWrite {
		actions = append(actions, tableWriteActions...)
	}
	resources := []*string{table.TableArn()}
	for _, index := range tableIndexes {
		resources = append(resources, awscdk.Fn_Join(jsii.String(""), &[]*string{table.TableArn(), jsii.String("/index/" + index)}))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	}))
}
