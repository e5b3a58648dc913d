package main

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Contact is the program's contact as a deployer sets it: shown at the
// foot of every page and email, and wherever a team is told whom to reach
// (the functions read it as convening.ProgramContact, which checks it
// again at start).
type Contact struct {
	Name, Email, Phone string
}

// maxContactNameLen bounds the contact's name, as the functions do.
const maxContactNameLen = 100

// phonePattern is a phone as people write it: digits and the usual
// separators, an optional leading + and an optional extension.
var phonePattern = regexp.MustCompile(`^\+?[0-9 ().\-/]+((ext\.?|x) ?[0-9]{1,6})?$`)

// resolveContact is the program's contact from the props, else the
// context: a name, by default DefaultContactName; an email, by default the
// sender's (with a warning: nobody may read the sender's mailbox); a phone
// if given. A contact that is not valid is a synth error naming the option.
func resolveContact(stack awscdk.Stack, props Contact, senderEmail string) Contact {
	node, annotations := stack.Node(), awscdk.Annotations_Of(stack)
	c := Contact{
		Name:  firstNonEmpty(props.Name, contextString(node, ContextContactName), DefaultContactName),
		Email: firstNonEmpty(props.Email, contextString(node, ContextContactEmail)),
		Phone: firstNonEmpty(props.Phone, contextString(node, ContextContactPhone)),
	}
	if c.Email == "" {
		c.Email = senderEmail
		annotations.AddWarningV2(jsii.String("convenings:contactEmail"), jsii.String(fmt.Sprintf(
			"No program contact email set: every page and email tells teams to write to the sender address %s. "+
				"Deploy with `cdk deploy -c %s=\"CA LMI Convenings\" -c %s=convenings@yourdomain -c %s=\"(916) 555-0142\"` "+
				"to give them a mailbox somebody reads.", senderEmail, ContextContactName, ContextContactEmail, ContextContactPhone)), nil)
	}
	for _, problem := range c.problems() {
		annotations.AddError(jsii.String(problem))
	}
	return c
}

// problems lists what is wrong with the contact, each naming its option.
func (c Contact) problems() []string {
	var out []string
	if len([]rune(c.Name)) > maxContactNameLen || strings.ContainsFunc(c.Name, func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
	}) {
		out = append(out, fmt.Sprintf("%s %q must be one line of at most %d characters", ContextContactName, c.Name, maxContactNameLen))
	}
	if _, ok := emailDomain(c.Email); !ok || strings.ContainsFunc(c.Email, func(r rune) bool { return r <= ' ' || r > '~' }) {
		out = append(out, fmt.Sprintf("%s %q is not an email address", ContextContactEmail, c.Email))
	}
	if c.Phone != "" {
		digits := 0
		main, _, _ := strings.Cut(strings.ToLower(c.Phone), "x")
		for _, r := range strings.TrimSuffix(main, "e") {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phonePattern.MatchString(strings.ToLower(c.Phone)) || digits < 7 || digits > 15 {
			out = append(out, fmt.Sprintf("%s %q is not a phone number such as \"(916) 555-0142\" or \"+1 916 555 0142 ext. 12\"", ContextContactPhone, c.Phone))
		}
	}
	return out
}
