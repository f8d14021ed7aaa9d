package cuda

import "testing"

// OpenDevice gives the external tests (package cuda_test, which can import
// cudaemu) the GPU tests' way of opening device 0: skip with the reason
// when there is none, fail instead when DDAEBM_REQUIRE_GPU=1.
func OpenDevice(t *testing.T) *Device { return openDevice(t) }
