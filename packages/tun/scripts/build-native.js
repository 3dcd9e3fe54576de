// Placeholder until the addon lands: nothing to compile yet.
