package cudaemu

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/cuda"
)

// paramNames names the parameter kinds of a kernel signature (emu.h's
// kind_of).
var paramNames = map[byte]string{
	'p': "a pointer (pass cuda.Ptr)",
	'i': "int (pass int or int32)",
	'u': "unsigned (pass uint32)",
	'l': "long long (pass int64)",
	'L': "unsigned long long (pass uint64)",
	'f': "float (pass float32)",
	'd': "double (pass float64)",
	'?': "of a type that a launch cannot pass",
}

// pack checks args against the kernel signature sig and packs them into
// 8-byte slots as Device.Launch does: each value stored at the start of
// its zeroed slot, where the trampolines (emu.h) read it with the
// parameter's C type. r.mu is held.
func (r *Runtime) pack(name, sig string, args []any) ([]uint64, error) {
	if len(args) != len(sig) {
		return nil, fmt.Errorf("cudaemu: Launch(%q): %d arguments for a kernel of %d parameters", name, len(args), len(sig))
	}
	slots := make([]uint64, len(args))
	for i, a := range args {
		kind := sig[i]
		bad := func() error {
			return fmt.Errorf("cudaemu: Launch(%q): argument %d is %T %v; parameter %d is %s", name, i, a, a, i, paramNames[kind])
		}
		p := unsafe.Pointer(&slots[i])
		switch kind {
		case 'p':
			ptr, ok := a.(cuda.Ptr)
			if !ok {
				return nil, bad()
			}
			if ptr != 0 {
				if _, _, ok := r.find(uintptr(ptr), 0); !ok {
					return nil, fmt.Errorf("cudaemu: Launch(%q): argument %d, %#x: %s", name, i, uint64(ptr), r.describe(uintptr(ptr)))
				}
			}
			*(*uint64)(p) = uint64(ptr)
		case 'i':
			switch v := a.(type) {
			case int:
				if v < math.MinInt32 || v > math.MaxInt32 {
					return nil, fmt.Errorf("cudaemu: Launch(%q): argument %d: %d does not fit a C int", name, i, v)
				}
				*(*int32)(p) = int32(v)
			case int32:
				*(*int32)(p) = v
			default:
				return nil, bad()
			}
		case 'u':
			switch v := a.(type) {
			case uint32:
				*(*uint32)(p) = v
			case int:
				if v < 0 || v > math.MaxInt32 {
					return nil, bad()
				}
				*(*uint32)(p) = uint32(v)
			case int32:
				if v < 0 {
					return nil, bad()
				}
				*(*uint32)(p) = uint32(v)
			default:
				return nil, bad()
			}
		case 'l':
			v, ok := a.(int64)
			if !ok {
				return nil, bad()
			}
			*(*int64)(p) = v
		case 'L':
			v, ok := a.(uint64)
			if !ok {
				return nil, bad()
			}
			*(*uint64)(p) = v
		case 'f':
			v, ok := a.(float32)
			if !ok {
				return nil, bad()
			}
			*(*float32)(p) = v
		case 'd':
			v, ok := a.(float64)
			if !ok {
				return nil, bad()
			}
			*(*float64)(p) = v
		default:
			return nil, bad()
		}
	}
	return slots, nil
}
