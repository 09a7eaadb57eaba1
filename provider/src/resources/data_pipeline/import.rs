//! Import by the pipeline's name: not yet implemented.

use super::DataPipelineState;
use crate::composite::{CompositeError, Ctx};

/// Build the state of pipeline `id` from its children.
pub async fn import(_ctx: &Ctx, id: &str) -> Result<DataPipelineState, CompositeError> {
    Err(CompositeError::new(
        "Cannot import",
        format!("import of blueprint_data_pipeline \"{id}\" is not implemented yet"),
    ))
}
