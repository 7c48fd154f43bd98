// Fuzzes the checks a node runs on a peer's consensus message before Replica::Step
// (consensus/message.h, docs/protocol.md "Messages"): VerifyEnvelope -> Prefilter ->
// VerifyContents, in the example network of docs/formats.md.
// Input: u8 flags || u8 committed height || bytes.
//   flags bit 4 clear: `bytes` is a serialized pb::Body, which the target signs as validator
//     (flags & 3) before checking, so the fuzzer explores the body checks behind the envelope
//     signature (a Byzantine validator can sign anything);
//   flags bit 4 set: `bytes` is the wire Envelope itself, as any peer could send it.
//   bit 3: the replica is catching up (bit 2 is unused: a view change no longer changes
//   what Prefilter keeps).
// Consensus code is the lead's: a crash found here is reported, not fixed here (README.md).
#include <google/protobuf/stubs/logging.h>

#include <string>

#include "consensus/message.h"
#include "fuzz/fuzz_util.h"

namespace evchain::fuzz {
namespace {

// 2026-11-29T00:00:00Z, one day after the example genesis time.
constexpr UnixMillis kNow = 1795910400000;

int Run(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const consensus::ReplicaSnapshot snapshot{data[1], (flags & 8) != 0};
  const std::string_view bytes = AsText(data + 2, size - 2);
  const genesis::Genesis& g = Genesis();

  std::string wire;
  const bool signed_here = (flags & 16) == 0;
  if (signed_here) {
    const uint32_t sender = flags & 3;
    consensus::pb::Envelope env;
    env.set_sender(sender);
    env.set_body(std::string(bytes));
    const crypto::Signature sig =
        ValidatorKeys()[sender].Sign(consensus::EnvelopeSigningBytes(g, sender, bytes));
    env.set_signature(std::string(sig.begin(), sig.end()));
    wire = env.SerializeAsString();
  } else {
    wire = std::string(bytes);
  }

  Result<consensus::Message> envelope = consensus::VerifyEnvelope(g, wire);
  if (!envelope.ok()) {
    // A validator's own signature always verifies: only the body can be refused.
    if (signed_here) FUZZ_CHECK(envelope.status().code() == "malformed");
    return 0;
  }
  FUZZ_CHECK(envelope->sender() >= 0 && static_cast<size_t>(envelope->sender()) < g.n());
  FUZZ_CHECK(envelope->wire() == wire);
  // The host drops what Prefilter refuses; check the contents either way, since a stale
  // snapshot lets messages through.
  (void)consensus::Prefilter(g, *envelope, snapshot, kNow);
  Result<consensus::Message> checked = consensus::VerifyContents(g, std::move(envelope).value());
  if (checked.ok()) FUZZ_CHECK(checked->wire() == wire);
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

// libprotobuf logs an ERROR line for every string field with invalid UTF-8 it refuses; that
// would be most of the output (and time) here. The refusal itself is what is tested.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
