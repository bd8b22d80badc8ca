package s3

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Defaults and limits of Config.
const (
	DefaultEndpoint = "s3.amazonaws.com"
	DefaultPartSize = 16 << 20
	// MinPartSize is S3's smallest part size (except for the last part).
	MinPartSize = 5 << 20
	// MaxPartSize is S3's largest part size.
	MaxPartSize = 5 << 30
	// DefaultAttempts is Config.Attempts when zero.
	DefaultAttempts = 3
)

// Retention modes of S3 object lock.
const (
	Governance = "GOVERNANCE"
	Compliance = "COMPLIANCE"
)

// Config says where a store lives and how to reach it. It is usually made
// by ParseURL, with the credentials added by the caller. Its String and
// GoString methods never show the secrets.
type Config struct {
	// Endpoint is host[:port] of the S3 service; empty means DefaultEndpoint.
	Endpoint string
	// TLS selects https. Without TLS, uploads are sent with an unsigned
	// payload (their CRC32C still protects them), which works around
	// versitygw's failure to verify checksums of signed streaming uploads
	// over plain http.
	TLS bool
	// Region of the bucket; empty lets the client ask the server.
	Region string
	// Bucket holds the store.
	Bucket string
	// Prefix, if set, is prepended with a slash to every key: the object
	// with key "k" is "<Prefix>/k". It has no leading or trailing slash.
	Prefix string

	// Credentials. An empty AccessKey means anonymous requests.
	AccessKey    string
	SecretKey    string
	SessionToken string

	// PartSize is the size of the parts of a multipart upload and the
	// largest object sent in one PUT; Put holds one part in memory. Zero
	// means DefaultPartSize; otherwise MinPartSize..MaxPartSize.
	PartSize int64

	// RetainDays, when positive, makes Put set object-lock retention of that
	// many days on every object, provided the bucket has object lock
	// enabled. Zero leaves the bucket's default retention in charge.
	RetainDays int
	// RetainMode is Governance (the default when empty) or Compliance.
	RetainMode string
	// ObjectLock makes Init create a missing bucket with object lock
	// enabled, and refuse an existing bucket without it.
	ObjectLock bool

	// Transport, if set, carries the HTTP requests (e.g. to trust a private
	// CA). Nil means minio-go's default transport.
	Transport http.RoundTripper

	// Attempts is how often minio-go sends a request that does not get
	// through, or fails with a retryable error, within about a second
	// before the store reports the failure (matching
	// store.ErrUnavailable); zero means DefaultAttempts. Longer outages are
	// waited out by package retry, which magazin puts around every store.
	Attempts int
}

// ParseURL reads a store URL
//
//	s3://bucket[/prefix][?endpoint=host:port][&tls=true|false][&region=name]
//	    [&part-size=bytes][&retain-days=n][&retain-mode=governance|compliance]
//	    [&object-lock=true|false]
//
// into a Config without credentials. tls defaults to true. Credentials in
// the URL are refused: they belong in the environment.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3 store URL: %w", redactErr(err))
	}
	if u.Scheme != "s3" {
		return Config{}, fmt.Errorf("s3 store URL %s: scheme is not s3", u.Redacted())
	}
	if u.User != nil {
		return Config{}, fmt.Errorf("s3 store URL %s: credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", u.Redacted())
	}
	c := Config{
		Endpoint: DefaultEndpoint,
		TLS:      true,
		Bucket:   u.Host,
		Prefix:   strings.Trim(u.Path, "/"),
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "endpoint":
			c.Endpoint = v
		case "tls":
			c.TLS, err = strconv.ParseBool(v)
		case "region":
			c.Region = v
		case "part-size":
			c.PartSize, err = strconv.ParseInt(v, 10, 64)
		case "retain-days":
			c.RetainDays, err = strconv.Atoi(v)
		case "retain-mode":
			c.RetainMode = strings.ToUpper(v)
		case "object-lock":
			c.ObjectLock, err = strconv.ParseBool(v)
		default:
			err = errors.New("unknown parameter")
		}
		if err != nil {
			return Config{}, fmt.Errorf("s3 store URL %s: %s=%q: %w", u.Redacted(), k, v, err)
		}
	}
	if err := c.check(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// check validates the configuration and fills defaults.
func (c *Config) check() error {
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.RetainMode == "" {
		c.RetainMode = Governance
	}
	switch {
	case c.Bucket == "":
		return fmt.Errorf("s3 store %s: no bucket", c)
	case c.Prefix != strings.Trim(c.Prefix, "/") || strings.Contains(c.Prefix, "//"):
		return fmt.Errorf("s3 store %s: prefix %q has a leading, trailing or double slash", c, c.Prefix)
	case c.PartSize < MinPartSize || c.PartSize > MaxPartSize:
		return fmt.Errorf("s3 store %s: part size %d outside %d..%d", c, c.PartSize, MinPartSize, MaxPartSize)
	case c.RetainDays < 0:
		return fmt.Errorf("s3 store %s: negative retain-days", c)
	case c.Attempts < 0:
		return fmt.Errorf("s3 store %s: negative attempts", c)
	case c.RetainMode != Governance && c.RetainMode != Compliance:
		return fmt.Errorf("s3 store %s: retain mode %q is neither %s nor %s", c, c.RetainMode, Governance, Compliance)
	}
	return nil
}

// String returns the store URL, without credentials.
func (c Config) String() string {
	u := url.URL{Scheme: "s3", Host: c.Bucket}
	if c.Prefix != "" {
		u.Path = "/" + c.Prefix
	}
	q := url.Values{}
	if c.Endpoint != "" && c.Endpoint != DefaultEndpoint {
		q.Set("endpoint", c.Endpoint)
	}
	if !c.TLS {
		q.Set("tls", "false")
	}
	if c.Region != "" {
		q.Set("region", c.Region)
	}
	if c.RetainDays > 0 {
		q.Set("retain-days", strconv.Itoa(c.RetainDays))
		if c.RetainMode != "" && c.RetainMode != Governance {
			q.Set("retain-mode", strings.ToLower(c.RetainMode))
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string {
	redact := func(s string) string {
		if s == "" {
			return ""
		}
		return "REDACTED"
	}
	c.SecretKey = redact(c.SecretKey)
	c.SessionToken = redact(c.SessionToken)
	type plain Config // without methods, so %#v does not recurse
	return "s3.Config" + strings.TrimPrefix(fmt.Sprintf("%#v", plain(c)), "s3.plain")
}

// redactErr drops the URL from a url.Error, which may hold credentials.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
