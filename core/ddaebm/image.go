package ddaebm

import (
	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/models/unet"
)

// DefaultImageConfig returns the image setting of IMAGES.md §3 for the
// named U-Net configuration (unet.Presets) and images of layout im,
// training on data: T = 4, β 0.1…20, γ 0.02, w_fake 1, entropy weight 0.1,
// the image floor max(log v_k, log v_1) in L2, Adam(0, 0.9) at lr 1e-4,
// batch 64, and weight averages of the generator and the energy with the
// preset's decay.
func DefaultImageConfig(data, preset string, im autograd.Image) (Config, error) {
	p, err := unet.PresetFor(preset, im)
	if err != nil {
		return Config{}, err
	}
	return Config{
		Data: data, Dim: im.Size(), Model: unet.Name, Net: &p.Settings,
		T: 4, BetaMin: 0.1, BetaMax: 20, Schedule: "vp",
		Gamma: 0.02, WFake: 1, WEnt: 0.1, LambdaW: 1, LambdaWMid: 1, PostVarFloorStep: 1,
		Ablation: Full, PenaltyAt: PenaltyAtReal,
		ZDim: p.ZDim, LR: 1e-4, Beta1: 0, Beta2: 0.9, Batch: 64, EMA: p.EMA, EnergyEMA: p.EMA,
	}, nil
}
