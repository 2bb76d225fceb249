// the body of a rule, without its function
callback(null, user, context);
