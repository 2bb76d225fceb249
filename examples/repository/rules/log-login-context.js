function (user, context, callback) {
  // No metadata file: the rule is enabled and Auth0 appends it after the others.
  console.log('login', { client: context.clientName, connection: context.connection, protocol: context.protocol });
  callback(null, user, context);
}
