use zeroclaw_pdk::{HookContext, HookEvent, Hooks, Outcome};

struct Shout;

impl Hooks for Shout {
    fn handle(_ctx: &HookContext, event: HookEvent) -> Result<Outcome, String> {
        match event {
            HookEvent::MessageSending(mut reply) => {
                reply.content = reply.content.to_uppercase();
                Ok(Outcome::Modify(HookEvent::MessageSending(reply)))
            }
            _ => Ok(Outcome::Continue),
        }
    }
}

zeroclaw_pdk::plugin!(hooks = Shout);
