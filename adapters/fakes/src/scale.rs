//! A synthetic estate of any size, for the store benchmark and the optimized-store tests:
//! resource `i` lives in one of 3 accounts x 3 regions, is one of 5 types, carries env, team and
//! app tags, and has a vector shaped like an embedder's; with the ground truth a search of it
//! should return.

use cloudops_domain::testing::resource_in;
use cloudops_domain::{PointId, ResourceKind};
use cloudops_ports::{EstateFilter, StoredResource};

use crate::contract::unit_vector;
use crate::store::nearest;

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
const KINDS: [ResourceKind; 5] = [
    ResourceKind::Ec2Instance,
    ResourceKind::EbsVolume,
    ResourceKind::RdsInstance,
    ResourceKind::S3Bucket,
    ResourceKind::LambdaFunction,
];

/// Resource `i` of the synthetic estate, with a `dims`-d [`embedding`].
pub fn resource(i: usize, dims: usize) -> StoredResource {
    resource_with(i, embedding(i, dims))
}

/// Resource `i` of the synthetic estate, with `vector`.
pub fn resource_with(i: usize, vector: Vec<f32>) -> StoredResource {
    let kind = KINDS[i % KINDS.len()];
    let account = ACCOUNTS[(i / 5) % 3];
    let region = REGIONS[(i / 15) % 3];
    let mut r = resource_in(
        kind,
        &format!("svc-{i}-{account}"),
        if i.is_multiple_of(4) { "stopped" } else { "running" },
        account,
        region,
    );
    r.tags.insert("env", ["prod", "staging", "dev"][i % 3]);
    r.tags.insert("team", format!("team-{}", i % 12));
    r.tags.insert("app", format!("app-{}", i % 40));
    StoredResource { resource: r, content_hash: format!("{i:064x}"), vector }
}

/// The sum of `parts` (vector, weight), normalized.
fn blend(parts: &[(Vec<f32>, f32)], dims: usize) -> Vec<f32> {
    let mut sum = vec![0.0; dims];
    for (vector, weight) in parts {
        sum.iter_mut().zip(vector).for_each(|(s, x)| *s += weight * x);
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    sum.into_iter().map(|x| x / norm).collect()
}

/// Resource `i`'s vector, shaped like an embedder's: one direction for each attribute it shares
/// with others (type, account, region, env, team, app, as [`resource`] assigns them) plus one of
/// its own (weight 1.5), normalized; resources sharing more attributes are nearer, as their
/// embedded descriptions would be. (Uniformly random vectors have no near neighbours: with them,
/// `cargo xtask bench store 100000 --random-vectors` prints recall@10 of 14–27 %.)
pub fn embedding(i: usize, dims: usize) -> Vec<f32> {
    let attributes = [i % 5, 5 + (i / 5) % 3, 8 + (i / 15) % 3, 11 + i % 3, 14 + i % 12, 26 + i % 40];
    let mut parts: Vec<(Vec<f32>, f32)> =
        attributes.iter().map(|&a| (unit_vector(9_000_000 + a as u64, dims), 1.0)).collect();
    parts.push((unit_vector(i as u64, dims), 1.5));
    blend(&parts, dims)
}

/// The resource query `q` looks for in an estate of `size`: a query's filters are taken from it.
pub fn target(q: usize, size: usize, dims: usize) -> StoredResource {
    resource(q.wrapping_mul(7919) % size, dims)
}

/// Query `q`'s vector: its [`target`]'s, blurred (a user's words are not the stored description).
pub fn query_vector(q: usize, size: usize, dims: usize) -> Vec<f32> {
    blend(&[(target(q, size, dims).vector, 1.0), (unit_vector(1_000_000 + q as u64, dims), 0.3)], dims)
}

/// The ids of the `k` resources nearest `vector` among those `filter` matches, by brute force
/// (as the in-memory store searches): what a store's search of `resources` should return.
pub fn exact_top(resources: &[StoredResource], vector: &[f32], filter: &EstateFilter, k: usize) -> Vec<PointId> {
    nearest(resources.iter(), vector, filter, k).into_iter().map(|(_, s)| s.resource.point_id()).collect()
}
