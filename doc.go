// Package magazin is the root of the magazin archive's module. It holds no
// code; its test enforces the import direction of design.md:
//
//   - preservation (root): standard library only.
//   - preservation/...: standard library, preservation/..., and at most one
//     third-party module each, from an allow-list (badger only in catalog,
//     minio-go only in store/s3, ocfl-go only in the aip test helper).
//   - profiles/...: standard library, preservation (root), profiles (root),
//     and XML helpers.
//   - ingest/...: standard library, profiles/..., preservation/...,
//     ingest/...; siegfried only in ingest/identify.
//   - access/...: standard library, preservation/..., access/...; bleve only
//     in access/search.
//   - ingest and access never import each other; nothing imports cmd.
package magazin
