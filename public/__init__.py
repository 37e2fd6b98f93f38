"""Pages for the public: tracking a request by its number."""
