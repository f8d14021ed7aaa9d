package unet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddaebm/ddaebm/core/autograd"
)

// Settings are the sizes of the U-Nets and the encoder (docs/IMAGES.md §2.3).
// The latent dimension nz is the configuration's z-dim.
type Settings struct {
	// Image is the layout of one example: the rows the model trains on
	// have Image.Size() values.
	Image autograd.Image `json:"image"`
	// NF is the U-Net's base width; level i has NF·ChMult[i] channels.
	NF     int   `json:"nf"`
	ChMult []int `json:"ch_mult"`
	// ResBlocks is the number of residual blocks per level on the way
	// down (one more on the way up).
	ResBlocks int `json:"res_blocks"`
	// AttnRes lists the resolutions (image sides) with self-attention.
	AttnRes []int   `json:"attn_res"`
	Dropout float64 `json:"dropout"`
	// Resample is ResampleFIR (NCSN++: FIR filters and the input
	// pyramid) or ResampleMean (DDPM++: 2×2 mean and nearest ×2).
	Resample string `json:"resample"`
	// ZEmbed and MapLayers shape the generator's mapping network: z is
	// mapped to ZEmbed dimensions by 1 + MapLayers linear layers.
	ZEmbed    int `json:"z_embed"`
	MapLayers int `json:"map_layers"`
	// EncWidth (ngf) and EncTEmbed are the encoder's base width and step
	// embedding size (Table 8: 64 and 256).
	EncWidth  int `json:"enc_width"`
	EncTEmbed int `json:"enc_temb"`
}

// The resampling of the U-Net's levels.
const (
	ResampleFIR  = "fir"  // NCSN++
	ResampleMean = "mean" // DDPM++
)

// A Preset is a configuration of docs/IMAGES.md §2.3: the networks' settings,
// the latent size nz, and the decay of the weight averages that suits its
// length of training (§3: 0.9999 for the paper's long runs; §7: 0.999 for
// runs of a few thousand iterations, where 0.9999 barely moves).
type Preset struct {
	Settings Settings
	ZDim     int
	EMA      float64
}

var presets = map[string]Preset{
	// The authors' CIFAR-10 configuration (Table 9 and config/cifar10.py).
	"cifar10": {Settings{NF: 128, ChMult: []int{1, 2, 2, 2}, ResBlocks: 2, AttnRes: []int{16}, Dropout: 0.1,
		Resample: ResampleFIR, ZEmbed: 256, MapLayers: 4, EncWidth: 64, EncTEmbed: 256}, 100, 0.9999},
	"m": {Settings{NF: 64, ChMult: []int{1, 2, 2, 2}, ResBlocks: 2, AttnRes: []int{16}, Dropout: 0.1,
		Resample: ResampleFIR, ZEmbed: 256, MapLayers: 4, EncWidth: 32, EncTEmbed: 128}, 100, 0.9999},
	"s": {Settings{NF: 32, ChMult: []int{1, 2, 2}, ResBlocks: 2, AttnRes: []int{8}, Dropout: 0.1,
		Resample: ResampleFIR, ZEmbed: 128, MapLayers: 2, EncWidth: 32, EncTEmbed: 128}, 50, 0.999},
	// The CPU configuration (§7): DDPM++ resampling, no dropout.
	"xs": {Settings{NF: 16, ChMult: []int{1, 2, 2}, ResBlocks: 1, AttnRes: []int{8}, Dropout: 0,
		Resample: ResampleMean, ZEmbed: 64, MapLayers: 2, EncWidth: 16, EncTEmbed: 64}, 32, 0.999},
}

// Presets lists the named configurations, smallest last.
var Presets = []string{"cifar10", "m", "s", "xs"}

// PresetFor returns the named configuration for images of layout im.
func PresetFor(name string, im autograd.Image) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unet configuration %q is not known (want one of %v)", name, Presets)
	}
	s := &p.Settings
	s.ChMult, s.AttnRes = slices.Clone(s.ChMult), slices.Clone(s.AttnRes)
	s.Image = im
	return p, nil
}

// check reports the settings that cannot build a network.
func (s *Settings) check(nz int) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	im := s.Image
	levels := len(s.ChMult)
	if im.H < 1 || im.W < 1 || im.C < 1 {
		bad("image must have positive height, width and channels, got %dx%dx%d", im.H, im.W, im.C)
	} else if side := 1 << max(levels-1, 0); im.H%side != 0 || im.W%side != 0 {
		bad("a %d-level U-Net halves the image %d times: its sides must be multiples of %d, got %dx%d", levels, levels-1, side, im.H, im.W)
	}
	// The encoder halves the image down to 4×4 for its 4×4 head.
	if im.H != im.W || im.H < 8 || im.H&(im.H-1) != 0 {
		bad("the encoder reads square images with a side that is a power of two ≥ 8 (pad others), got %dx%d", im.H, im.W)
	}
	if s.NF < 4 || s.NF%4 != 0 {
		bad("nf must be a positive multiple of 4 (group norm takes C/4 groups), got %d", s.NF)
	}
	if levels < 1 || slices.ContainsFunc(s.ChMult, func(m int) bool { return m < 1 }) {
		bad("ch_mult must list at least one positive multiplier, got %v", s.ChMult)
	}
	if s.ResBlocks < 1 {
		bad("res_blocks must be at least 1, got %d", s.ResBlocks)
	}
	if !(s.Dropout >= 0 && s.Dropout < 1) {
		bad("dropout must be in [0, 1), got %v", s.Dropout)
	}
	if s.Resample != ResampleFIR && s.Resample != ResampleMean {
		bad("resample %q is not known (want %s or %s)", s.Resample, ResampleFIR, ResampleMean)
	}
	if s.ZEmbed < 1 || s.MapLayers < 0 || nz < 1 {
		bad("z-dim and z_embed must be positive and map_layers ≥ 0, got %d, %d and %d", nz, s.ZEmbed, s.MapLayers)
	}
	if s.EncWidth < 1 || s.EncTEmbed < 4 || s.EncTEmbed%2 != 0 {
		bad("enc_width must be positive and enc_temb an even number ≥ 4, got %d and %d", s.EncWidth, s.EncTEmbed)
	}
	if len(errs) > 0 {
		return fmt.Errorf("unet: %s", strings.Join(errs, "; "))
	}
	return nil
}
