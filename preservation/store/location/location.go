// Package location turns a store URL into a store backend:
//
//	file:///var/lib/magazin/store    fs (a bare path, absolute or relative, too)
//	s3://bucket/prefix?endpoint=...  s3 (see s3.ParseURL for the parameters)
//	mem://                           mem, a new empty in-memory store each time
//
// S3 credentials come from the environment function passed in, under the
// standard names AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN; AWS_REGION (or AWS_DEFAULT_REGION) fills a region the
// URL leaves open. Secrets never appear in a URL, a String or an error.
//
// Open opens an existing store; Init creates it first if it is missing
// (`magazin store init`: the directory, or the bucket) and is idempotent.
package location

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/preservation/store/s3"
)

// Environment variables read through the env function.
const (
	EnvAccessKey     = "AWS_ACCESS_KEY_ID"
	EnvSecretKey     = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken  = "AWS_SESSION_TOKEN"
	EnvRegion        = "AWS_REGION"
	EnvDefaultRegion = "AWS_DEFAULT_REGION"
)

// Open opens the store at rawURL. env looks up environment variables (pass
// os.Getenv); it may be nil when no S3 store is involved.
func Open(ctx context.Context, rawURL string, env func(string) string) (store.Store, error) {
	return open(ctx, rawURL, env, false)
}

// Init creates the store at rawURL if it is missing and opens it: an fs
// directory is made with its parents, an S3 bucket is created (with object
// lock when the URL says object-lock=true). Calling it again is harmless.
func Init(ctx context.Context, rawURL string, env func(string) string) (store.Store, error) {
	return open(ctx, rawURL, env, true)
}

func open(ctx context.Context, rawURL string, env func(string) string, create bool) (store.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scheme, _, found := strings.Cut(rawURL, "://")
	if !found {
		scheme = ""
	}
	switch scheme {
	case "":
		return openFS(rawURL, create)
	case "file":
		dir, err := FilePath(rawURL)
		if err != nil {
			return nil, err
		}
		return openFS(dir, create)
	case "s3":
		cfg, err := S3Config(rawURL, env)
		if err != nil {
			return nil, err
		}
		s, err := s3.New(cfg)
		if err != nil {
			return nil, err
		}
		if create {
			if err := s.Init(ctx); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "mem":
		if rawURL != "mem://" {
			return nil, fmt.Errorf("store URL %s: a mem store takes no path or parameters", Redact(rawURL))
		}
		return mem.New(), nil
	default:
		return nil, fmt.Errorf("store URL %s: unknown scheme %q (want file, s3 or mem)", Redact(rawURL), scheme)
	}
}

func openFS(dir string, create bool) (store.Store, error) {
	if dir == "" {
		return nil, errors.New("store URL: empty path")
	}
	if create {
		return fs.Init(dir)
	}
	return fs.New(dir)
}

// FilePath returns the directory of a file:// URL: file:///abs/path or
// file://localhost/abs/path.
func FilePath(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("store URL: %w", err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("store URL %s: file URLs name a local path (file:///abs/path), not host %q", u.Redacted(), u.Host)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("store URL %s: file URLs take no parameters", u.Redacted())
	}
	if !strings.HasPrefix(u.Path, "/") {
		return "", fmt.Errorf("store URL %s: the path must be absolute", u.Redacted())
	}
	return filepath.FromSlash(u.Path), nil
}

// S3Config parses an s3:// URL and adds credentials and a missing region
// from env.
func S3Config(rawURL string, env func(string) string) (s3.Config, error) {
	cfg, err := s3.ParseURL(rawURL)
	if err != nil {
		return s3.Config{}, err
	}
	if env == nil {
		env = func(string) string { return "" }
	}
	cfg.AccessKey = env(EnvAccessKey)
	cfg.SecretKey = env(EnvSecretKey)
	cfg.SessionToken = env(EnvSessionToken)
	if cfg.AccessKey != "" && cfg.SecretKey == "" {
		return s3.Config{}, fmt.Errorf("s3 store %s: %s is set but %s is not", cfg, EnvAccessKey, EnvSecretKey)
	}
	if cfg.Region == "" {
		cfg.Region = env(EnvRegion)
	}
	if cfg.Region == "" {
		cfg.Region = env(EnvDefaultRegion)
	}
	return cfg, nil
}

// Redact returns rawURL with any password in it replaced, for messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
