function (user, context, callback) {
  // kept disabled until the migration to actions is done
  callback(null, user, context);
}
