function (user, context, callback) {
  const allowed = ##ALLOWED##;
  if (allowed.includes(context.clientID) {
    return callback(null, user, context);
  }
  callback(null, user, context);
}
