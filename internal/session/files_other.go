//go:build !unix

package session

// noFollow: Windows has no O_NOFOLLOW; openLog's Lstat check refuses a
// link planted before the run.
const noFollow = 0
