// device_launch_parameters.h: nvcc includes the CUDA runtime header in every source; under
// cudaemu, emu.h (force-included) declares what kernels use of it.
#pragma once
