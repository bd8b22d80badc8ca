//go:build !unix

package unpack

import "io/fs"

// inode reports nothing where the platform gives no inode numbers.
func inode(fs.FileInfo) (fileID, uint64, bool) { return fileID{}, 0, false }
