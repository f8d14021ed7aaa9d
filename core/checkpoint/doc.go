// Package checkpoint saves and loads model checkpoints: everything needed to
// resume training or to sample from a trained model, in one file.
//
// A checkpoint is a single .npz file, that is a zip archive of .npy arrays,
// so that numpy.load("ckpt.npz") opens it directly for analysis in Python.
// It holds, in this order:
//
//   - config.json: the run configuration, opaque JSON supplied by the caller;
//   - NAME.npy for every array (weights, optimiser moments, batch-norm
//     statistics, ...), sorted by name; NAME may contain slashes, as in
//     "energy/trunk.0/W", and numpy.load lists it without the .npy suffix;
//   - meta.json: the format name and version ("ddaebm-checkpoint", 1), the
//     training step, free-form string metadata, and the size and SHA-256 of
//     every other member.
//
// One file rather than a directory so that a checkpoint is replaced
// atomically (see npy.AtomicWriteFile): a crash while saving leaves the
// previous checkpoint, never a mix of old and new arrays.
//
// Members are stored uncompressed. Trained weights are close to random bits
// and deflate gains little on them, while stored members cost no CPU, can be
// read at known offsets, and make the zip-bomb question trivial: no member
// can be larger than the file, and Load rejects any archive whose members
// claim more bytes than the file has.
//
// The checksums are there because zip's own CRC-32 is weak and only checked
// when a reader bothers, and because a checkpoint that loads with one
// silently corrupted array trains or samples into nonsense with no other
// symptom. Load verifies every member, and also that the archive holds
// exactly the members meta.json lists, so a checkpoint altered by hand or
// damaged in transfer is reported as such, naming the array concerned.
package checkpoint
