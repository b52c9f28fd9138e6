//! Random faults: the schedule a scenario's `random_faults` recipe draws from a seed, placed
//! after the file's own faults in the world's, the election's and the database's schedules.

use crate::config::WorldConfig;
use crate::fault::Drawn;

/// The faults `config`'s `random_faults` recipe (if any) draws from `seed`.
pub fn draw_random_faults(config: &WorldConfig, seed: u64) -> Drawn {
    let Some(recipe) = &config.random_faults else {
        return Drawn::default();
    };
    let replicas: Vec<u32> = config.services.iter().map(|s| s.replicas).collect();
    recipe.draw(seed, &replicas, positions_end(config))
}

/// One past the last position of `config`'s fault schedule (the world's, the election's and
/// the database's faults together): where random draws are placed, after the file's entries.
fn positions_end(config: &WorldConfig) -> usize {
    let world = config.faults.iter().map(|f| f.position);
    let election = config.election.iter().flat_map(|e| &e.faults);
    let database = config.database.iter().flat_map(|d| &d.faults);
    world
        .chain(election.map(|f| f.position))
        .chain(database.map(|f| f.position))
        .max()
        .map_or(0, |last| last + 1)
}

/// `config` with its random faults drawn from `seed` and appended to its schedules (the
/// world's, the election's and the database's).
pub fn with_random_faults(config: &WorldConfig, seed: u64) -> WorldConfig {
    let drawn = draw_random_faults(config, seed);
    let mut config = config.clone();
    if config.random_faults.take().is_some() {
        config.faults.extend(drawn.world);
        if let Some(election) = config.election.as_mut() {
            election.faults.extend(drawn.election);
        }
        if let Some(database) = config.database.as_mut() {
            database.faults.extend(drawn.database);
        }
    }
    config
}
