package catalog

import "github.com/dgraph-io/badger/v4"

// SetSchemaForTest overwrites the stored schema version.
func (c *Catalog) SetSchemaForTest(v string) error {
	return c.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keySchema), []byte(v)) })
}

// DropSummariesForTest removes the summaries, as in a catalog written
// before they existed.
func (c *Catalog) DropSummariesForTest() error {
	for _, p := range []string{prefixRecent, prefixRecentOf, prefixFinding, keySummaries} {
		if err := c.db.DropPrefix([]byte(p)); err != nil {
			return err
		}
	}
	return nil
}
