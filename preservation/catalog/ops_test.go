package catalog

import (
	"context"
	"errors"
	"testing"
)

func TestRecordsSurviveRebuildAndStayOutOfDump(t *testing.T) {
	ctx := context.Background()
	c, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.PutRecord(ctx, "job/1", []byte("a")); err != nil {
		t.Fatal(err)
	}
	got, created, err := c.PutRecordIfAbsent(ctx, "job/1", []byte("b"))
	if err != nil || created || string(got) != "a" {
		t.Fatalf("PutRecordIfAbsent over an existing record: %q %v %v", got, created, err)
	}
	if got, created, _ = c.PutRecordIfAbsent(ctx, "job/2", []byte("b")); !created || string(got) != "b" {
		t.Fatalf("PutRecordIfAbsent on a new key: %q %v", got, created)
	}
	d, _ := c.Dump(ctx)
	for k := range d {
		if k[:4] == "ops/" {
			t.Errorf("Dump shows operational record %s", k)
		}
	}
	if _, err := c.Rebuild(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, v := range c.Records(ctx, "job/") {
		keys = append(keys, k+"="+string(v))
	}
	if len(keys) != 2 || keys[0] != "job/1=a" || keys[1] != "job/2=b" {
		t.Errorf("after rebuild: %v", keys)
	}
	if err := c.DeleteRecord(ctx, "job/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Record(ctx, "job/1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted record: %v", err)
	}
}
