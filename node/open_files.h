// The node's file descriptors: how many it may hold, and how many of them the index store's
// table cache gets. Every HTTP connection, peer link and open table file is a descriptor
// (docs/operations.md "Open files").
#pragma once

#include <cstdint>

namespace evchain::node {

// Raises the soft RLIMIT_NOFILE to the hard limit (the usual soft 1,024 is far below
// max_connections) and returns the soft limit in force afterwards.
uint64_t RaiseOpenFileLimit();
// The soft RLIMIT_NOFILE now (UINT64_MAX when unlimited, 0 when it cannot be read).
uint64_t OpenFileLimit();

// Table files the index store may keep open (storage::LevelDbOptions::max_open_files), given the
// descriptor limit and the HTTP connections the node admits: what is left after the
// connections, a reserve (peer links, logs, LevelDB's own files) and the companion's 1,000
// tables, clamped to [kMinIndexTables, kMaxIndexTables]. A table not kept open is opened again,
// its index block read and checked, by its next read: the tail of a lookup's latency once the
// index store outgrows its cache (about 1,600 tables at 50M entries, 6,400 at 200M). Its tables'
// index blocks are small (~12.5 KB: 125 MB at the cap); the companion's are ten times larger
// and it keeps LevelDB's default.
inline constexpr uint64_t kMinIndexTables = 1000;  // LevelDB's default
inline constexpr uint64_t kMaxIndexTables = 10000;
inline constexpr uint64_t kCompanionTables = 1000;
inline constexpr uint64_t kReservedDescriptors = 512;
int IndexTables(uint64_t open_file_limit, uint64_t max_connections);

// The descriptors a node may use at most with these settings; a limit below it is worth a
// warning at start (a table that cannot be opened fails the read that needed it).
uint64_t DescriptorsWanted(uint64_t max_connections, int index_tables);

}  // namespace evchain::node
