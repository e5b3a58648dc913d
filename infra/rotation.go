package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// rotateTokenSecret has Secrets Manager rotate the manage-token secret with
// fn (the token-rotation function, package tokensecret's Rotator) on
// deploy.TokenKeyRotationSchedule, and once right after it is set up (the
// first rotation only adds the next key). Secrets Manager alone may invoke
// fn, for this secret only, and fn may read, write and relabel this secret
// and nothing else. (CDK's RotationSchedule would also let it call
// GetRandomPassword on every resource; the function makes its keys itself.)
func rotateTokenSecret(stack awscdk.Stack, secret awssecretsmanager.Secret, fn awslambda.Function) {
	invoke := awslambda.NewCfnPermission(stack, jsii.String("TokenRotationInvoke"), &awslambda.CfnPermissionProps{
		Action:        jsii.String("lambda:InvokeFunction"),
		FunctionName:  fn.FunctionArn(),
		Principal:     jsii.String("secretsmanager.amazonaws.com"),
		SourceArn:     secret.SecretArn(),
		SourceAccount: stack.Account(),
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect: awsiam.Effect_ALLOW,
		Actions: jsii.Strings("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
			"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"),
		Resources: jsii.Strings(*secret.SecretArn()),
	}))
	schedule := awssecretsmanager.NewCfnRotationSchedule(stack, jsii.String("TokenSecretRotation"), &awssecretsmanager.CfnRotationScheduleProps{
		SecretId:          secret.SecretArn(),
		RotationLambdaArn: fn.FunctionArn(),
		RotationRules: &awssecretsmanager.CfnRotationSchedule_RotationRulesProperty{
			ScheduleExpression: jsii.String(deploy.TokenKeyRotationSchedule),
			Duration:           jsii.String(deploy.TokenKeyRotationWindow),
		},
	})
	// The first rotation starts as soon as the schedule exists: the
	// function must be there, with its permissions.
	schedule.Node().AddDependency(invoke, fn, fn.Role())
}
