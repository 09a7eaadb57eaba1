//! The fault sweep every composite's test runs: record the AWS calls of a clean create and a
//! clean destroy, then fail each distinct mutating call in turn (cycling a 500, a throttle and a
//! dropped connection) and check that the operation fails, that the resource stays in state
//! when a delete fails, and that a destroy afterwards leaves nothing.

use anyhow::{ensure, Result};

use crate::proxy::{mutating_actions, Fault, FaultRule};
use crate::terraform::TfWorkdir;
use crate::Harness;

/// Which operations to sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Only the calls of create.
    Create,
    /// The calls of create and of delete.
    CreateAndDelete,
}

/// What a sweep tried.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// AWS requests of one clean create.
    pub create_calls: usize,
    /// Distinct mutating actions of create, each failed once.
    pub create_points: Vec<String>,
    /// Distinct mutating actions of delete, each failed once (empty for [`Sweep::Create`]).
    pub delete_points: Vec<String>,
}

const FAULTS: [Fault; 3] = [Fault::ServerError, Fault::Throttle, Fault::DropConnection];

/// Run the sweep on `wd` (initialised, with nothing applied), whose provider goes through
/// `h`'s proxy. Fails with the first operation that did not fail, or anything left behind.
pub fn run(h: &Harness, wd: &TfWorkdir, sweep: Sweep) -> Result<SweepReport> {
    let proxy = h.proxy();
    proxy.reset();
    wd.apply()?;
    let create = proxy.requests();
    proxy.reset();
    wd.destroy()?;
    let create_points = mutating_actions(&create);
    let delete_points = match sweep {
        Sweep::Create => Vec::new(),
        Sweep::CreateAndDelete => mutating_actions(&proxy.requests()),
    };
    for (i, action) in create_points.iter().enumerate() {
        proxy.clear_rules();
        proxy.add_rule(FaultRule::always(action, FAULTS[i % 3]));
        let failed = wd.try_apply()?;
        ensure!(
            failed.code != 0,
            "{action} failing must fail the apply: {failed}"
        );
        proxy.clear_rules();
        wd.destroy()?;
        let left = h.leftovers()?;
        ensure!(
            left.is_empty(),
            "after a create failure at {action}: {left:?}"
        );
    }
    for (i, action) in delete_points.iter().enumerate() {
        wd.apply()?;
        let resources = wd.state_resources()?.len();
        proxy.add_rule(FaultRule::always(action, FAULTS[i % 3]));
        let failed = wd.try_destroy()?;
        ensure!(
            failed.code != 0,
            "{action} failing must fail the destroy: {failed}"
        );
        ensure!(
            wd.state_resources()?.len() == resources,
            "after a delete failure at {action} the resources stay in state"
        );
        proxy.clear_rules();
        wd.destroy()?;
        let left = h.leftovers()?;
        ensure!(
            left.is_empty(),
            "after a delete failure at {action}: {left:?}"
        );
    }
    let report = SweepReport {
        create_calls: create.len(),
        create_points,
        delete_points,
    };
    eprintln!(
        "AWS calls per create: {}; fault points tried: {} at create {:?}, {} at delete {:?}",
        report.create_calls,
        report.create_points.len(),
        report.create_points,
        report.delete_points.len(),
        report.delete_points
    );
    Ok(report)
}
