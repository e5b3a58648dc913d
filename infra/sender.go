package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/jsii-runtime-go"
)

// The context keys of the sender's domain (docs/operations.md, "Mail that
// reaches inboxes").
const (
	// ContextSenderDomain is the domain SES signs the notices for (Easy
	// DKIM) and sends them from (a custom MAIL FROM domain under it), so
	// that they pass DMARC as mail of that domain. By default the domain
	// of senderEmail, unless that is a public mailbox provider's; "none"
	// leaves the domain out (the address alone is verified, by email).
	ContextSenderDomain = "senderDomain"
	// ContextMailFromDomain is the MAIL FROM (bounce) domain, a subdomain
	// of the sender's domain; by default "bounce." and the domain.
	ContextMailFromDomain = "mailFromDomain"
)

// noSenderDomain, as senderDomain, leaves the domain identity out.
const noSenderDomain = "none"

// mailFromPrefix names the default MAIL FROM domain under the sender's:
// one that no mail server of the organization already uses (mail. often
// is).
const mailFromPrefix = "bounce."

// mailboxProviders are domains whose addresses anyone may have: a sender
// there cannot publish DNS records for its domain.
var mailboxProviders = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
	"icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "zoho.com",
}

// domainPattern is a DNS name of two labels or more, in lower case.
var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// resolveSenderDomain decides the sender's domain identity from the
// context: the domain and its MAIL FROM domain, or "" for none. explicit
// says whether senderEmail was set (the default sender's domain is
// nobody's). Mistakes are synth errors; a sender at a mailbox provider is
// a warning.
func resolveSenderDomain(stack awscdk.Stack, senderEmail string, explicit bool) (domain, mailFrom string) {
	annotations := awscdk.Annotations_Of(stack)
	emailDom, ok := emailDomain(senderEmail)
	if !ok {
		return "", "" // resolveConfig reports it
	}
	emailDom = strings.ToLower(emailDom)
	domain = strings.ToLower(contextString(stack.Node(), ContextSenderDomain))
	switch {
	case domain == noSenderDomain:
		return "", ""
	case domain != "":
		if !domainPattern.MatchString(domain) {
			annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not a domain name", ContextSenderDomain, domain)))
			return "", ""
		}
		if emailDom != domain && !strings.HasSuffix(emailDom, "."+domain) {
			annotations.AddError(jsii.String(fmt.Sprintf("%s %s is not in %s %s: DMARC would not align the two",
				ContextSenderEmail, senderEmail, ContextSenderDomain, domain)))
			return "", ""
		}
	case !explicit:
		return "", ""
	case slices.Contains(mailboxProviders, emailDom):
		annotations.AddWarningV2(jsii.String("convenings:senderDomain"), jsii.String(fmt.Sprintf(
			"The sender %s is a mailbox at %s: SES cannot sign the notices for a domain of yours, and district mail "+
				"servers may file them as spam. Send from an address at your organization's domain.", senderEmail, emailDom)), nil)
		return "", ""
	default:
		domain = emailDom
	}
	mailFrom = strings.ToLower(contextString(stack.Node(), ContextMailFromDomain))
	if mailFrom == "" {
		mailFrom = mailFromPrefix + domain
	}
	if !domainPattern.MatchString(mailFrom) || !strings.HasSuffix(mailFrom, "."+domain) {
		annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not a subdomain of %s", ContextMailFromDomain, mailFrom, domain)))
		return "", ""
	}
	return domain, mailFrom
}

// sender is the notices' sender in SES: its address, and its domain when
// the deployer owns it.
type sender struct {
	stack     awscdk.Stack
	address   awsses.EmailIdentity
	domain    awsses.EmailIdentity // nil without a sender domain
	cfg       config
	configSet awsses.ConfigurationSet
}

// newSender creates the sender's identities: the address, which SES
// verifies by a link it emails there (enough to send); and, with a sender
// domain, the domain with Easy DKIM (2048-bit keys SES rotates) and a
// custom MAIL FROM domain, which SES verifies once the DNS records in the
// stack's outputs are published. Then the notices carry a DKIM signature
// and an SPF pass of the sender's own domain, which DMARC needs.
func newSender(stack awscdk.Stack, cfg config, configSet awsses.ConfigurationSet) sender {
	s := sender{stack: stack, cfg: cfg, configSet: configSet}
	s.address = awsses.NewEmailIdentity(stack, jsii.String("SenderIdentity"), &awsses.EmailIdentityProps{
		Identity: awsses.Identity_Email(jsii.String(cfg.senderEmail)),
	})
	if cfg.senderDomain != "" {
		s.domain = awsses.NewEmailIdentity(stack, jsii.String("SenderDomainIdentity"), &awsses.EmailIdentityProps{
			Identity:       awsses.Identity_Domain(jsii.String(cfg.senderDomain)),
			DkimSigning:    jsii.Bool(true),
			DkimIdentity:   awsses.DkimIdentity_EasyDkim(awsses.EasyDkimSigningKeyLength_RSA_2048_BIT),
			MailFromDomain: jsii.String(cfg.mailFromDomain),
			// Until the MAIL FROM records are published, SES sends from its
			// own bounce domain rather than refusing to send.
			MailFromBehaviorOnMxFailure: awsses.MailFromBehaviorOnMxFailure_USE_DEFAULT_VALUE,
			ConfigurationSet:            configSet,
		})
	}
	return s
}

// grantSendEmail lets fn send as the sender address, whether SES has the
// address itself or its whole domain verified, and as nothing else, with
// the configuration set (SES authorizes a send against the set too).
// (While the account is in the SES sandbox, SES also checks the recipient's
// identity; production access lifts that.)
func (s sender) grantSendEmail(fn awslambda.Function) {
	resources := []*string{s.address.EmailIdentityArn()}
	switch domain, ok := emailDomain(s.cfg.senderEmail); {
	case s.domain != nil:
		resources = append(resources, s.domain.EmailIdentityArn())
	case ok:
		resources = append(resources, s.stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ses"),
			Resource:     jsii.String("identity"),
			ResourceName: jsii.String(domain),
			ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		}))
	}
	resources = append(resources, s.stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("configuration-set"),
		ResourceName: s.configSet.ConfigurationSetName(),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("ses:SendEmail", "ses:SendRawEmail"),
		Resources: &resources,
	}))
}

// dnsRecord is one DNS record to publish, as a zone file line: "name TYPE
// value".
func dnsRecord(parts ...*string) *string {
	return awscdk.Fn_Join(jsii.String(""), &parts)
}

// outputs adds the DNS records the sender's domain needs to the stack's
// outputs, each a zone file line: the three DKIM CNAMEs, the MAIL FROM
// domain's MX and SPF records, and a DMARC record to start with.
func (s sender) outputs(output func(id string, value *string, description string)) {
	if s.domain == nil {
		return
	}
	for i, r := range *s.domain.DkimRecords() {
		output(fmt.Sprintf("SenderDkimRecord%d", i+1), dnsRecord(r.Name, jsii.String(" CNAME "), r.Value),
			fmt.Sprintf("DNS record %d of 3 for %s: DKIM (SES signs the notices with its key)", i+1, s.cfg.senderDomain))
	}
	output("SenderMailFromMxRecord", dnsRecord(jsii.String(s.cfg.mailFromDomain+" MX 10 feedback-smtp."), s.stack.Region(), jsii.String(".amazonses.com")),
		"DNS record for the MAIL FROM domain: where bounces return to SES")
	output("SenderMailFromSpfRecord", jsii.String(s.cfg.mailFromDomain+` TXT "v=spf1 include:amazonses.com ~all"`),
		"DNS record for the MAIL FROM domain: SPF lets SES send for it")
	output("SenderDmarcRecord", jsii.String("_dmarc."+s.cfg.senderDomain+` TXT "`+dmarcRecord(s.cfg)+`"`),
		"DNS record to publish if "+s.cfg.senderDomain+" has no DMARC record yet (keep an existing one): report only, to start")
}

// dmarcRecord is the DMARC policy to start with: report only (p=none), with
// the aggregate reports to the alarm address when it is in the sender's
// domain (elsewhere, the receiving domain would have to authorize it).
func dmarcRecord(cfg config) string {
	rec := "v=DMARC1; p=none"
	if d, ok := emailDomain(cfg.alarmEmail); ok {
		d = strings.ToLower(d)
		if d == cfg.senderDomain || strings.HasSuffix(d, "."+cfg.senderDomain) {
			rec += "; rua=mailto:" + cfg.alarmEmail
		}
	}
	return rec
}
