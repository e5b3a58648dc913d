package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// newTopicKey defines the KMS key the stack's SNS topics are encrypted
// with: SES's bounce and complaint events carry recipients' addresses,
// and alarms name the functions and queues in trouble. It is a key of the
// stack's own (SNS's AWS-managed key cannot let SES or CloudWatch
// publish), rotated yearly; only SES and CloudWatch alarms of this account
// may use it to publish, and SNS uses it on the subscribers' behalf (the
// Lambda and email subscriptions need no grant). SNS keeps no message past
// delivery, so nothing is lost with the key when the stack is deleted.
func newTopicKey(stack awscdk.Stack) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("convenings: encrypts the SES events and alarm topics"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		PendingWindow:     awscdk.Duration_Days(jsii.Number(7)),
	})
	for _, service := range []string{"ses.amazonaws.com", "cloudwatch.amazonaws.com"} {
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service), nil)},
			Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}), jsii.Bool(false))
	}
	return key
}
