/** Layer names the exported model uses itself; the output layer must be named otherwise. */
export const EXPORT_LAYER_NAMES = ['image', 'to_backbone_range', 'retrain_feature_pool', 'retrain_hidden', 'retrained'];
