#include "consensus/message.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "consensus/wire_scan.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/statement.h"

namespace evchain::consensus {
namespace {

constexpr std::string_view kDomain = "evchain-consensus/1\n";

// The most bytes an envelope of a PREPARE, COMMIT, CHECKPOINT or STATUS may take. A correct
// validator's are at most ~500 bytes (the largest, a COMMIT, carries a checkpoint text of at most
// ~280 bytes with a 64-character chain id, and a cosignature); a replica keeps such votes (one per
// sender, seq and view) and writes them to its consensus store, so without a bound one validator
// padding each to the frame limit made every replica hold and write L x 16 MiB (docs/protocol.md
// "Messages").
constexpr size_t kMaxVoteEnvelopeBytes = 1024;

bool IsVoteSized(pb::Body::KindCase kind) {
  return kind == pb::Body::kPrepare || kind == pb::Body::kCommit || kind == pb::Body::kCheckpoint ||
         kind == pb::Body::kStatus;
}

Status BadDeposit(std::string why) { return Status::Error("bad_deposit", std::move(why)); }

// The messages of proto/consensus.proto a body holds, numbered for ScanWire; each rule
// marked `element` is one object (or string) when parsed.
enum WireMessage {
  kBody,
  kPrePrepare,
  kForward,
  kDeposit,
  kBatchProof,
  kViewChange,
  kCertificate,
  kNewView
};
constexpr WireRule kBodyRules[] = {
    {.message = kBody, .field = 1, .child = kPrePrepare},
    {.message = kBody, .field = 5, .child = kViewChange},
    {.message = kBody, .field = 6, .child = kNewView},
    {.message = kBody, .field = 7, .child = kForward},
    {.message = kPrePrepare, .field = 3, .child = kDeposit, .element = true},  // entries
    {.message = kForward, .field = 1, .child = kDeposit, .element = true},     // entries
    {.message = kDeposit, .field = 3, .child = kBatchProof, .element = true},  // batch
    {.message = kBatchProof, .field = 4, .element = true},                     // item_proof_list
    {.message = kViewChange, .field = 4, .element = true},                     // checkpoint_proof
    {.message = kViewChange, .field = 5, .child = kCertificate, .element = true},  // prepared
    {.message = kCertificate, .field = 2, .element = true},                        // prepares
    {.message = kNewView, .field = 2, .element = true},                            // view_changes
    {.message = kNewView, .field = 3, .element = true},                            // pre_prepares
};

// libprotobuf builds an object of some 50 to 100 bytes for each element of a repeated field
// (a deposit, a batch proof, a certificate, an envelope in a VIEW-CHANGE or NEW-VIEW), 2 bytes
// on the wire when empty: a 16 MiB body of empty deposits parsed into ~800 MB. A correct
// element takes far more than 32 bytes (a deposit ~360, an envelope ~150), so a body holding
// more than one per 32 bytes is no correct validator's and is refused before it is parsed.
bool WithinElementBound(std::string_view body) {
  return ScanWire(body, kBodyRules, body.size() / 32 + 16) == WireScan::kOk;
}

}  // namespace

Bytes EnvelopeSigningBytes(const genesis::Genesis& genesis, uint32_t sender,
                           std::string_view body_bytes) {
  Bytes out;
  out.reserve(kDomain.size() + genesis.chain_id.size() + 1 + 32 + 4 + body_bytes.size());
  Append(out, kDomain);
  Append(out, genesis.chain_id);
  out.push_back('\n');
  Append(out, ByteView(genesis.hash));
  PutU32BE(out, sender);
  Append(out, body_bytes);
  return out;
}

constexpr size_t kHashSize = std::tuple_size_v<Hash32>;

bool ToHash(std::string_view bytes, Hash32* out) {
  if (bytes.size() != out->size()) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

std::string HashBytes(const Hash32& h) { return std::string(h.begin(), h.end()); }

std::string SignEnvelope(const genesis::Genesis& genesis, int sender, const crypto::SecretKey& key,
                         const pb::Body& body) {
  pb::Envelope env;
  env.set_sender(static_cast<uint32_t>(sender));
  body.SerializeToString(env.mutable_body());
  crypto::Signature sig =
      key.Sign(EnvelopeSigningBytes(genesis, static_cast<uint32_t>(sender), env.body()));
  env.set_signature(std::string(sig.begin(), sig.end()));
  return env.SerializeAsString();
}

Result<Message> VerifyEnvelope(const genesis::Genesis& genesis, std::string_view wire) {
  pb::Envelope env;
  if (!env.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    return Status::Error("malformed", "envelope does not parse");
  }
  // The signature covers the body, not the envelope's own bytes: an envelope with fields beyond
  // its three (or one of them twice) is bytes a relay may have added. Replicas keep the wire as
  // the sender's message (stored, carried in VIEW-CHANGE certificates, sent on), so it must be
  // exactly the sender's: the canonical encoding of the three fields, as SignEnvelope writes it.
  env.DiscardUnknownFields();
  if (env.ByteSizeLong() != wire.size()) {
    return Status::Error("malformed", "envelope holds bytes its signature does not cover");
  }
  if (env.sender() >= genesis.n()) {
    return Status::Error("unknown_sender", "sender is not a genesis validator");
  }
  const auto& key = genesis.validators[env.sender()].public_key;
  if (!crypto::Verify(key, EnvelopeSigningBytes(genesis, env.sender(), env.body()),
                      AsBytes(env.signature()))) {
    return Status::Error("bad_signature", "envelope signature does not verify");
  }
  if (!WithinElementBound(env.body())) {
    return Status::Error("malformed", "more elements than a body of its size holds");
  }
  Message m;
  if (!m.body_.ParseFromString(env.body()) || m.body_.kind_case() == pb::Body::KIND_NOT_SET) {
    return Status::Error("malformed", "body does not parse");
  }
  if (IsVoteSized(m.body_.kind_case()) && wire.size() > kMaxVoteEnvelopeBytes) {
    return Status::Error("malformed", "a vote, checkpoint or status larger than any correct one");
  }
  m.sender_ = static_cast<int>(env.sender());
  m.wire_ = std::string(wire);
  return m;
}

Result<Message> VerifyMessage(const genesis::Genesis& genesis, std::string_view wire) {
  Result<Message> m = VerifyEnvelope(genesis, wire);
  if (!m.ok()) return m;
  return VerifyContents(genesis, std::move(*m));
}

bool WithinClockSkew(const genesis::ConsensusParams& params, UnixMillis block_time,
                     UnixMillis now) {
  return block_time >= now - params.max_clock_skew_ms &&
         block_time <= now + params.max_clock_skew_ms;
}

pb::Body::KindCase PeekKind(std::string_view wire) {
  pb::Envelope env;
  if (!env.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
    return pb::Body::KIND_NOT_SET;
  }
  // A Body holds one field of its oneof; its first key says which (docs/protocol.md
  // "Messages"): every kind is a message, so wire type 2 (length-delimited).
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(env.body().data()),
                                            static_cast<int>(env.body().size()));
  const uint32_t tag = in.ReadTag();  // field number << 3 | wire type
  if ((tag & 7) != 2) return pb::Body::KIND_NOT_SET;
  switch (const auto kind = static_cast<pb::Body::KindCase>(tag >> 3)) {
    case pb::Body::kPrePrepare:
    case pb::Body::kPrepare:
    case pb::Body::kCommit:
    case pb::Body::kCheckpoint:
    case pb::Body::kViewChange:
    case pb::Body::kNewView:
    case pb::Body::kForward:
    case pb::Body::kStatus:
      return kind;
    case pb::Body::KIND_NOT_SET:
      break;
  }
  return pb::Body::KIND_NOT_SET;
}

Status Prefilter(const genesis::Genesis& genesis, const Message& envelope,
                 const ReplicaSnapshot& replica, UnixMillis now) {
  const pb::Body& body = envelope.body();
  if (body.has_forward() && replica.catching_up) {
    return Status::Error("catching_up", "forwarded deposits during catch-up");
  }
  if (body.has_forward() && replica.pool_full) {
    return Status::Error("pool_full", "forwarded deposits while the pool is full");
  }
  if (body.has_pre_prepare()) {
    // Only the view's primary signs a PRE-PREPARE (a relayed one keeps its signer): any other
    // signer is Byzantine, and the replica would drop it anyway, after its deposits' checks.
    if (static_cast<uint64_t>(envelope.sender()) != body.pre_prepare().view() % genesis.n()) {
      return Status::Error("not_primary", "a pre-prepare not signed by its view's primary");
    }
    // CheckBlock's rule, applied before the deposits' signatures are checked.
    const int entries = body.pre_prepare().entries_size();
    if (entries == 0 || static_cast<uint64_t>(entries) > genesis.params.max_batch) {
      return Status::Error("bad_batch_size", "a pre-prepare of no deposits or more than max_batch");
    }
    const pb::Header& header = body.pre_prepare().header();
    if (header.height() <= replica.committed_height) {
      return Status::Error("already_committed", "pre-prepare of a committed height");
    }
    if (!WithinClockSkew(genesis.params, static_cast<UnixMillis>(header.time()), now)) {
      return Status::Error("clock_skew", "pre-prepare outside the clock skew");
    }
  }
  return Status::Ok();
}

bool IsPrefilterCode(std::string_view code) {
  return code == "catching_up" || code == "pool_full" || code == "already_committed" ||
         code == "clock_skew";
}

Hash32 DepositCheckKey(const ledger::Entry& entry) {
  return DepositCheckKey(entry, crypto::Sha256(entry.statement));
}

Hash32 DepositCheckKey(const ledger::Entry& entry, const Hash32& evidence_id) {
  Bytes parts;
  const auto put = [&parts](ByteView bytes) {
    PutU64BE(parts, bytes.size());
    Append(parts, bytes);
  };
  put(evidence_id);
  put(entry.signature);
  if (entry.batch) {
    put(AsBytes(entry.batch->statement));
    PutU64BE(parts, entry.batch->item_index);
    PutU64BE(parts, entry.batch->item_proof.size());
    for (const Hash32& h : entry.batch->item_proof) Append(parts, h);
  }
  return crypto::Sha256(parts);
}

Result<Message> VerifyContents(const genesis::Genesis& genesis, Message m,
                               DepositCheckCache* known) {
  const pb::Body& body = m.body();
  const google::protobuf::RepeatedPtrField<pb::Deposit>* deposits = nullptr;
  if (body.has_pre_prepare()) deposits = &body.pre_prepare().entries();
  if (body.has_forward()) deposits = &body.forward().entries();
  if (deposits != nullptr) {
    BatchSignatureCache cache;
    m.entry_facts_.assign(static_cast<size_t>(deposits->size()), std::nullopt);
    for (int i = 0; i < deposits->size(); ++i) {
      Result<ledger::Entry> entry = FromProto((*deposits)[i]);
      if (!entry.ok()) return entry.status();
      // The statement is hashed once here, and parsed once if it is verified: the facts
      // (Message::entry_facts) carry both to the replica.
      const Hash32 id = crypto::Sha256(entry->statement);
      ledger::EntryFacts facts;
      if (known == nullptr) {
        EVCHAIN_RETURN_IF_ERROR(VerifyDepositCached(genesis, *entry, &cache, &facts, &id));
        m.entry_facts_[i] = std::move(facts);
        continue;
      }
      const Hash32 key = DepositCheckKey(*entry, id);
      // Verified before: the facts that check made, so the replica parses nothing either.
      if (known->Begin(key, &m.entry_facts_[i])) continue;
      if (body.has_forward() && known->Committed(id)) {
        // Not verified: a later copy is checked (or skipped) anew.
        known->Finish(key, false, nullptr);
        continue;
      }
      Status verified = VerifyDepositCached(genesis, *entry, &cache, &facts, &id);
      known->Finish(key, verified.ok(), verified.ok() ? &facts : nullptr);
      EVCHAIN_RETURN_IF_ERROR(verified);
      m.entry_facts_[i] = std::move(facts);
    }
  }
  if (body.has_view_change()) {
    EVCHAIN_RETURN_IF_ERROR(CheckViewChange(genesis, body.view_change()));
    m.certificates_checked_ = true;
  }
  if (body.has_new_view()) {
    for (const std::string& w : body.new_view().view_changes()) {
      Result<Message> vm = VerifyEnvelope(genesis, w);
      if (!vm.ok() || !vm->body().has_view_change() ||
          !CheckViewChange(genesis, vm->body().view_change()).ok()) {
        return Status::Error("bad_new_view", "a carried view-change does not verify");
      }
    }
    m.certificates_checked_ = true;
  }
  if (body.has_commit()) {
    const pb::Commit& c = body.commit();
    const auto& key = genesis.validators[m.sender()].public_key;
    std::string msg = crypto::CosignatureMessage(c.checkpoint_text(), c.timestamp());
    if (!crypto::Verify(key, AsBytes(msg), AsBytes(c.cosignature()))) {
      return Status::Error("bad_cosignature", "commit cosignature does not verify");
    }
  }
  return m;
}

Status VerifyDeposit(const genesis::Genesis& genesis, const ledger::Entry& entry) {
  return VerifyDepositCached(genesis, entry, nullptr);
}

Status VerifyDepositCached(const genesis::Genesis& genesis, const ledger::Entry& entry,
                           BatchSignatureCache* cache, ledger::EntryFacts* facts,
                           const Hash32* evidence_id) {
  Result<ledger::DepositStatement> st = ledger::ParseDepositStatement(entry.statement);
  if (!st.ok()) return BadDeposit("statement: " + st.status().ToString());
  if (st->chain_id != genesis.chain_id) return BadDeposit("statement of another chain");
  const genesis::Depositor* depositor = genesis.FindDepositor(st->depositor);
  if (depositor == nullptr) return BadDeposit("unknown depositor " + st->depositor);
  // What ledger::FactsOfEntry gives, from this parse: filled before the checks below, which
  // return an error (and the caller then drops the facts) or Ok.
  if (facts != nullptr) {
    facts->statement_hash = evidence_id != nullptr ? *evidence_id : crypto::Sha256(entry.statement);
    facts->digest = st->digest;
    facts->depositor = st->depositor;
    facts->nonce = st->nonce;
  }
  if (!entry.batch) {
    if (!crypto::Verify(depositor->public_key, AsBytes(entry.statement), entry.signature)) {
      return BadDeposit("depositor signature does not verify");
    }
    return Status::Ok();
  }
  const ledger::BatchProof& b = *entry.batch;
  // The items of one batch share its statement and signature: parse and verify that pair once.
  const ledger::BatchStatement* batch =
      cache != nullptr ? cache->Find(b.statement, b.signature) : nullptr;
  std::optional<ledger::BatchStatement> parsed;
  if (batch == nullptr) {
    Result<ledger::BatchStatement> r = ledger::ParseBatchStatement(b.statement);
    if (!r.ok()) return BadDeposit("batch statement: " + r.status().ToString());
    parsed = std::move(*r);
    batch = &*parsed;
  }
  if (batch->chain_id != st->chain_id || batch->depositor != st->depositor) {
    return BadDeposit("batch of another chain or depositor");
  }
  if (b.signature != entry.signature) return BadDeposit("batch signature does not verify");
  if (parsed) {
    if (!crypto::Verify(depositor->public_key, AsBytes(b.statement), b.signature)) {
      return BadDeposit("batch signature does not verify");
    }
    if (cache != nullptr) cache->Add(b.statement, b.signature, *parsed);
  }
  Status inclusion = crypto::VerifyInclusion(crypto::LeafHash(AsBytes(entry.statement)),
                                             b.item_index, batch->items, b.item_proof, batch->root);
  if (!inclusion.ok()) return BadDeposit("batch item proof: " + inclusion.ToString());
  return Status::Ok();
}

const ledger::BatchStatement* BatchSignatureCache::Find(std::string_view statement,
                                                        const crypto::Signature& signature) const {
  const auto it = verified_.find(signature);
  if (it == verified_.end() || it->second.statement != statement) return nullptr;
  return &it->second.parsed;
}

void BatchSignatureCache::Add(std::string_view statement, const crypto::Signature& signature,
                              const ledger::BatchStatement& parsed) {
  verified_.try_emplace(signature, Verified{std::string(statement), parsed});
}

Status VerifyDeposits(const genesis::Genesis& genesis, const std::vector<ledger::Entry>& entries,
                      DepositCheckCache* known) {
  if (known != nullptr && known->Empty()) {
    // Nothing to spare, and a key costs a SHA-256 over the entry: a replica catching up after a
    // restart fetches blocks with an empty cache (FORWARDs are dropped while it catches up).
    Status s = VerifyDeposits(genesis, entries);
    if (s.ok()) known->CountVerified(entries.size());
    return s;
  }
  BatchSignatureCache cache;
  for (size_t i = 0; i < entries.size(); ++i) {
    Hash32 key{};
    if (known != nullptr) {
      key = DepositCheckKey(entries[i]);
      if (known->Begin(key, nullptr)) continue;
    }
    Status s = VerifyDepositCached(genesis, entries[i], &cache);
    if (known != nullptr) known->Finish(key, s.ok(), nullptr);
    if (!s.ok()) return BadDeposit("entry " + std::to_string(i) + ": " + s.message());
  }
  return Status::Ok();
}

void ToProto(const ledger::Entry& entry, pb::Deposit* out) {
  out->set_statement(entry.statement);
  out->set_signature(std::string(entry.signature.begin(), entry.signature.end()));
  if (entry.batch) {
    pb::BatchProof* b = out->mutable_batch();
    b->set_statement(entry.batch->statement);
    b->set_signature(std::string(entry.batch->signature.begin(), entry.batch->signature.end()));
    b->set_item_index(entry.batch->item_index);
    std::string* proof = b->mutable_item_proof();
    proof->reserve(entry.batch->item_proof.size() * kHashSize);
    for (const Hash32& h : entry.batch->item_proof) proof->append(h.begin(), h.end());
  }
}

Result<ledger::Entry> FromProto(const pb::Deposit& deposit) {
  ledger::Entry e;
  e.statement = deposit.statement();
  if (deposit.signature().size() != e.signature.size()) return BadDeposit("signature length");
  std::copy(deposit.signature().begin(), deposit.signature().end(), e.signature.begin());
  if (deposit.has_batch()) {
    const pb::BatchProof& pb_batch = deposit.batch();
    ledger::BatchProof b;
    b.statement = pb_batch.statement();
    if (pb_batch.signature().size() != b.signature.size()) return BadDeposit("batch signature");
    std::copy(pb_batch.signature().begin(), pb_batch.signature().end(), b.signature.begin());
    b.item_index = pb_batch.item_index();
    const std::string& packed = pb_batch.item_proof();
    if (!packed.empty() && pb_batch.item_proof_list_size() > 0) {
      return BadDeposit("batch item proof given in both forms");
    }
    if (packed.size() % kHashSize != 0) return BadDeposit("batch item proof length");
    b.item_proof.resize(packed.size() / kHashSize);
    for (size_t i = 0; i < b.item_proof.size(); ++i) {
      ToHash(std::string_view(packed).substr(i * kHashSize, kHashSize), &b.item_proof[i]);
    }
    for (const std::string& h : pb_batch.item_proof_list()) {
      Hash32 hash;
      if (!ToHash(h, &hash)) return BadDeposit("batch item proof hash length");
      b.item_proof.push_back(hash);
    }
    e.batch = std::move(b);
  }
  return e;
}

void ToProto(const ledger::BlockHeader& header, pb::Header* out) {
  out->set_height(header.height);
  out->set_prev_hash(HashBytes(header.prev_hash));
  out->set_time(header.time);
  out->set_log_size(header.log_size);
  out->set_log_root(HashBytes(header.log_root));
  out->set_proposer(header.proposer);
  out->set_view(header.view);
}

Result<ledger::BlockHeader> FromProto(const std::string& chain_id, const pb::Header& header) {
  ledger::BlockHeader h;
  h.chain_id = chain_id;
  h.height = header.height();
  if (!ToHash(header.prev_hash(), &h.prev_hash) || !ToHash(header.log_root(), &h.log_root)) {
    return Status::Error("malformed", "header hash length");
  }
  h.time = header.time();
  h.log_size = header.log_size();
  h.proposer = header.proposer();
  h.view = header.view();
  return h;
}

}  // namespace evchain::consensus
