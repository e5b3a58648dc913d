package deploy

import (
	"io"
	"log/slog"
)

// Config is a function's configuration: the values of the environment
// variables above. Functions says which of them each function reads.
type Config struct {
	Table          string // EnvTableName
	LogLevel       string // EnvLogLevel
	TokenSecretARN string // EnvTokenSecretARN
	TokenSecret    string // EnvTokenSecret, outside AWS only
	PublicURL      string // EnvPublicURL
	SenderEmail    string // EnvSenderEmail
	SESMaxSendRate string // EnvSESMaxSendRate
	// SESConfigurationSet is EnvSESConfigurationSet.
	SESConfigurationSet string

	CognitoIssuer   string // EnvCognitoIssuer
	CognitoClientID string // EnvCognitoClientID
	CognitoLoginURL string // EnvCognitoLoginURL

	// The payee (EnvPayeeName, EnvPayeeAddress, EnvPayeeTaxID,
	// EnvPaymentInstructions).
	PayeeName, PayeeAddress, PayeeTaxID, PaymentInstructions string
	// The program's contact (convening.ProgramContact).
	ContactName  string // EnvContactName
	ContactEmail string // EnvContactEmail
	ContactPhone string // EnvContactPhone
}

// ConfigFromEnv reads the configuration with getenv: os.Getenv in a
// function's main, which is the only place that reads the environment.
// The local runner builds a Config from its own values instead.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		Table:               getenv(EnvTableName),
		LogLevel:            getenv(EnvLogLevel),
		TokenSecretARN:      getenv(EnvTokenSecretARN),
		TokenSecret:         getenv(EnvTokenSecret),
		PublicURL:           getenv(EnvPublicURL),
		SenderEmail:         getenv(EnvSenderEmail),
		SESMaxSendRate:      getenv(EnvSESMaxSendRate),
		SESConfigurationSet: getenv(EnvSESConfigurationSet),

		CognitoIssuer:   getenv(EnvCognitoIssuer),
		CognitoClientID: getenv(EnvCognitoClientID),
		CognitoLoginURL: getenv(EnvCognitoLoginURL),

		PayeeName: getenv(EnvPayeeName), PayeeAddress: getenv(EnvPayeeAddress),
		PayeeTaxID: getenv(EnvPayeeTaxID), PaymentInstructions: getenv(EnvPaymentInstructions),
		ContactName:  getenv(EnvContactName),
		ContactEmail: getenv(EnvContactEmail),
		ContactPhone: getenv(EnvContactPhone),
	}
}

// Logger returns the logger a function logs with: one JSON object per line
// (which CloudWatch Logs indexes by field) to w, at c.LogLevel (debug,
// info, warn, error; empty or unknown means info).
func (c Config) Logger(w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
