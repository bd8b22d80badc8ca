// Package scan is magazin's virus scanner adapter: a client of ClamAV's
// daemon clamd, speaking its INSTREAM protocol over a unix or TCP socket.
// It uses only the standard library.
//
// The ingest pipeline reads each file once. A [Stream] is an io.Writer for
// that read's io.MultiWriter, next to the hashes: it sends the bytes to
// clamd as they arrive, and [Stream.Verdict] after the last write ends the
// stream and returns clamd's [Verdict].
//
//	st, err := scanner.Stream(ctx)  // err: clamd unreachable → SCAN_FAILED
//	defer st.Close()
//	io.Copy(io.MultiWriter(h512, st), f)
//	v, err := st.Verdict()
//	if p, ok := scan.Problem(name, v, err, required); ok { … }
//
// Contract:
//
//   - [Stream.Write] never returns an error and always reports len(p), so a
//     failing scanner never stops the read that hashes the file. The first
//     failure is kept ([Stream.Err]); later writes are discarded (nothing is
//     sent after a failure); [Stream.Verdict] returns it. Writes after
//     Verdict or Close are discarded too. Nothing panics.
//   - Writes are gathered into INSTREAM chunks of at most 64 KiB (one
//     buffer of that size per stream); larger writes are sent without
//     copying. Write blocks while clamd takes the data (backpressure), at
//     most Config.Timeout per chunk.
//   - Config.Timeout bounds dialing, each chunk sent and the wait for the
//     verdict after the last chunk (clamd scans the stream only then). The
//     time between the caller's writes is not bounded by the adapter;
//     clamd's own ReadTimeout (default 120 s) is.
//   - Cancellation: when ctx (of [Scanner.Stream], [Scanner.ScanReader],
//     [Scanner.Ping], [Scanner.Version]) is done, the connection is closed
//     at once; a blocked write or read returns, and the call (or Verdict)
//     returns ctx's error. No goroutine is started per stream: the
//     connection is closed by a context.AfterFunc, released by Verdict or
//     Close.
//   - Either Verdict or Close must be called; both may be, and Close may be
//     deferred. Close may be called from another goroutine than the
//     writer's (it aborts the stream); Write and Verdict belong to one
//     goroutine.
//   - One connection per stream, no pool: clamd closes an INSTREAM
//     connection after its reply anyway, and a new unix-socket connection
//     costs far less than clamd's per-stream work (see bench_test.go).
//     clamd serves several connections in parallel (MaxThreads), so
//     concurrent streams scan concurrently. A [Scanner] holds no
//     connection and is safe for concurrent use.
//
// Errors of Verdict, [Scanner.ScanReader] and [Scanner.Stream]:
//
//   - [ErrTooLarge] (errors.Is): the stream exceeds Config.MaxStream (the
//     adapter stops sending at once), or clamd refused it ("INSTREAM size
//     limit exceeded", StreamMaxLength), or, with AlertExceedsMax, clamd
//     reports a "Heuristics.Limits.Exceeded.*" finding: the file was not
//     (completely) scanned. Over TCP clamd's refusal can be lost to a
//     connection reset and then shows as a connection error: set
//     Config.MaxStream to clamd's StreamMaxLength.
//   - ctx's error (context.Canceled, context.DeadlineExceeded).
//   - a [*ReplyError] for any other reply of clamd ("… ERROR").
//   - otherwise a wrapped connection error (os.ErrDeadlineExceeded after
//     Config.Timeout, a refused or broken connection).
//
// [Problem] maps a verdict and error to the problem the pipeline records:
//
//   - SCAN_INFECTED, always an error: clamd found a signature (named in the
//     message). The submission is quarantined.
//   - SCAN_FAILED: the file could not be scanned (clamd unreachable, a
//     timeout, a broken connection, an unexpected reply). An error when
//     scanning is required, a warning when it is optional.
//   - SCAN_TOO_LARGE: [ErrTooLarge]; severity as for SCAN_FAILED.
//
// Cancellation is no problem: Problem reports nothing and the caller
// returns ctx's error.
//
// clamd configuration: StreamMaxLength must be at least the largest file to
// be scanned (the tests use 200M). clamd's MaxFileSize (default 100M) and
// MaxScanSize (default 400M) make clamd report a larger stream as clean
// without scanning it, unless AlertExceedsMax is on; set MaxFileSize and
// MaxScanSize to at least StreamMaxLength, or turn AlertExceedsMax on so
// that such files become SCAN_TOO_LARGE instead of silently clean.
//
// [Scanner.Version] returns clamd's version line for the PREMIS agent,
// e.g. "ClamAV 1.4.6/27432/Tue Nov 25 08:23:05 2026" (engine, database
// version and date of an official database) or just "ClamAV 1.4.6" with a
// local database only, as in the tests.
//
// Tests run against a real clamd named by MAGAZIN_TEST_CLAMD
// ("unix:/path/clamd.sock" or "tcp:host:port"; scripts/clamd.sh starts one
// with a local EICAR-only database, make test does so), and start clamds of
// their own for other configurations. Without it they skip, or fail when
// CI=true.
package scan
