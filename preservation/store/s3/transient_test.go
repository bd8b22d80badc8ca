package s3

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/magazin-archiv/magazin/preservation/store"
)

func TestTransient(t *testing.T) {
	refused := &url.Error{Op: "Put", URL: "http://127.0.0.1:1/b/k", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"SlowDown", minio.ErrorResponse{Code: "SlowDown", StatusCode: 503}, true},
		{"ServiceUnavailable", minio.ErrorResponse{Code: "ServiceUnavailable", StatusCode: 503}, true},
		{"InternalError", minio.ErrorResponse{Code: "InternalError", StatusCode: 500}, true},
		{"bad gateway", minio.ErrorResponse{StatusCode: 502}, true},
		{"too many requests", minio.ErrorResponse{StatusCode: 429}, true},
		{"not implemented", minio.ErrorResponse{Code: "NotImplemented", StatusCode: 501}, false},
		{"AccessDenied", minio.ErrorResponse{Code: "AccessDenied", StatusCode: 403}, false},
		{"SignatureDoesNotMatch", minio.ErrorResponse{Code: "SignatureDoesNotMatch", StatusCode: 403}, false},
		{"InvalidAccessKeyId", minio.ErrorResponse{Code: "InvalidAccessKeyId", StatusCode: 403}, false},
		{"NoSuchKey", minio.ErrorResponse{Code: "NoSuchKey", StatusCode: 404}, false},
		{"PreconditionFailed", minio.ErrorResponse{Code: "PreconditionFailed", StatusCode: 412}, false},
		{"refused", refused, true},
		{"broken off", &url.Error{Op: "Get", URL: "http://s3/b/k", Err: errors.New("EOF")}, true},
		{"unknown CA", &url.Error{Op: "Get", URL: "https://s3/b/k", Err: x509.UnknownAuthorityError{}}, false},
		{"no such host", &url.Error{Op: "Get", URL: "https://s3/b/k", Err: &net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "no such host", Name: "s3", IsNotFound: true}}}, false},
		{"plain", errors.New("checksum mismatch"), false},
	} {
		if got := transient(context.Background(), tc.err); got != tc.want {
			t.Errorf("%s: transient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if transient(ctx, refused) {
		t.Error("a failure after cancellation counts as transient")
	}
}

// A store whose server is not there fails with an error marked
// unavailable, from every operation.
func TestNoServerIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	s, err := New(Config{Endpoint: addr, Bucket: "bucket", AccessKey: "k", SecretKey: "secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = s.Stat(ctx, "k")
	if !errors.Is(err, store.ErrUnavailable) || !store.IsTransient(err) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Stat: err = %v, want unavailable (connection refused)", err)
	}
	data := []byte("x")
	sum := sha512.Sum512(data)
	_, err = s.Put(ctx, "k", bytes.NewReader(data), 1, hex.EncodeToString(sum[:]))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put: err = %v, want unavailable", err)
	}
	for _, err := range s.List(ctx, "") {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("List: err = %v, want unavailable", err)
		}
		break
	}
}

// A server that takes requests but never answers makes the HTTP client
// time out. That timeout matches context.DeadlineExceeded, yet it is the
// server's failure, not the end of the caller's context: every operation,
// Put included, reports the store unavailable, so that package retry waits.
func TestNoAnswerIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c) }() // reads the request, never answers
		}
	}()
	s, err := New(Config{Endpoint: l.Addr().String(), Bucket: "bucket", AccessKey: "k", SecretKey: "secret-key", Attempts: 1,
		Transport: &http.Transport{ResponseHeaderTimeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = s.Stat(ctx, "k")
	if !errors.Is(err, store.ErrUnavailable) || !store.IsTransient(err) {
		t.Errorf("Stat: err = %v, want unavailable", err)
	}
	data := []byte("x")
	sum := sha512.Sum512(data)
	_, err = s.Put(ctx, "k", bytes.NewReader(data), 1, hex.EncodeToString(sum[:]))
	if !errors.Is(err, store.ErrUnavailable) || !store.IsTransient(err) {
		t.Errorf("Put: err = %v, want unavailable", err)
	}
}
