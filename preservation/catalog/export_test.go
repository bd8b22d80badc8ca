package catalog

import "github.com/dgraph-io/badger/v4"

// SetSchemaForTest overwrites the stored schema version.
func (c *Catalog) SetSchemaForTest(v string) error {
	return c.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keySchema), []byte(v)) })
}
