//! An image tag of a test's own, removed from every engine it reached even
//! when an assertion fails. Shipping and removing a tag nobody else uses
//! cannot disturb tests that share the engines' real image tags.

use bollard::query_parameters::{RemoveImageOptionsBuilder, TagImageOptionsBuilder};
use bollard::Docker;

use crate::cleanup::run_to_completion;

pub struct TagGuard {
    pub tag: String,
    engines: Vec<Docker>,
}

impl TagGuard {
    /// Tags `image` on `engine` as `{repo}:{unique}`.
    pub async fn new(engine: &Docker, image: &str, repo: &str) -> Self {
        let unique = crate::agent::unique_agent_id("tag");
        let options = TagImageOptionsBuilder::new()
            .repo(repo)
            .tag(&unique)
            .build();
        engine
            .tag_image(image, Some(options))
            .await
            .unwrap_or_else(|error| panic!("cannot tag {image}: {error}"));
        Self {
            tag: format!("{repo}:{unique}"),
            engines: vec![engine.clone()],
        }
    }

    /// Removes the tag from `engine` too.
    pub fn reaches(&mut self, engine: &Docker) {
        self.engines.push(engine.clone());
    }
}

impl Drop for TagGuard {
    fn drop(&mut self) {
        let tag = self.tag.clone();
        let engines = std::mem::take(&mut self.engines);
        run_to_completion(async move {
            for engine in engines {
                // Only the tag goes when the image has others.
                let options = RemoveImageOptionsBuilder::new().noprune(true).build();
                let _ = engine.remove_image(&tag, Some(options), None).await;
            }
        });
    }
}
