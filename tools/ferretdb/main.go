// Command ferretdb-runner embeds FerretDB v1 (SQLite backend) so the project can
// start a real MongoDB-API server without Docker or MongoDB's own binaries.
//
// Embedding (rather than `go install .../cmd/ferretdb`) sidesteps FerretDB's
// version.txt check, which makes a plainly installed binary panic at start.
//
// Usage:
//
//	ferretdb --data-dir DIR [--listen-addr 127.0.0.1:PORT] [--log-level error] [--uri-file FILE] [--synchronous normal|full]
//
// PORT 0 picks a free port. When the server listens, its URI is printed on
// stdout and, with --uri-file, written atomically to FILE: the mspass service
// launcher detaches this process and redirects stdout to a log file, so it
// reads the URI (and the port actually chosen) from that file instead.
// SIGTERM or SIGINT stops the server cleanly (exit status 0).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-runner: "+format+"\n", args...)
	os.Exit(code)
}

func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}

// writeAtomically writes data to a temporary file next to path and renames it,
// so a reader polling for path never sees a half-written URI.
func writeAtomically(path string, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".uri-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (port 0 picks a free port)")
	dir := flag.String("data-dir", "", "directory for the SQLite files (required)")
	logLevel := flag.String("log-level", "error", "log level: debug, info, warn or error (warn logs every failed command, e.g. the endSessions that FerretDB v1 lacks)")
	uriFile := flag.String("uri-file", "", "write the server URI to this file once listening")
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous setting: normal (no fsync per write, as mongod's default write concern) or full (fsync every write)")
	flag.Parse()

	if *dir == "" {
		fail(2, "--data-dir is required")
	}
	level, ok := parseLevel(*logLevel)
	if !ok {
		fail(2, "--log-level must be debug, info, warn or error, got %q", *logLevel)
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(3, "bad data directory %s: %v", *dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fail(3, "cannot create data directory %s: %v", abs, err)
	}

	// SQLite's default (full) fsyncs the write-ahead log at every commit: ~5 ms
	// per insert on a common disk, the whole cost of a one-datum save. normal
	// (in WAL mode) syncs at checkpoints instead: a committed write survives a
	// crash of this process, and may be lost only if the machine itself goes
	// down, as mongod's default write concern (no j:true; the journal flushed
	// every 100 ms) allows. The database file is never corrupted either way.
	if *synchronous != "normal" && *synchronous != "full" {
		fail(2, "--synchronous must be normal or full, got %q", *synchronous)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *synchronous + ")",
	})
	if err != nil {
		fail(1, "%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// MongoDBURI blocks until the listener is bound, so the URI carries the
	// real port even when PORT was 0. Parents wait for it before pinging.
	uri := f.MongoDBURI()
	fmt.Println(uri)
	if *uriFile != "" {
		if err := writeAtomically(*uriFile, uri+"\n"); err != nil {
			fail(1, "cannot write --uri-file %s: %v", *uriFile, err)
		}
	}

	if err := <-done; err != nil && ctx.Err() == nil {
		fail(1, "%v", err)
	}
}
